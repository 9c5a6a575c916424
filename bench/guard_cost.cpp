// fovea-bench-guard: what the edge's BASP allow-list costs per frame, on the
// frames a coordinator receives most: a client's batch of 32 Fashion-MNIST
// PNGs (about 26 KB), a worker's answer of 64 rows, and heartbeats, made
// with CAF's own serializer. Each kind is fed through a guard ROUNDS times
// (as one stream of 20,000 frames, in 64 KiB reads, as the relay reads);
// prints the median ns per frame, and, for scale, the median ns per frame
// of copying the same bytes (what the relay does with them anyway).
//
//   fovea-bench-guard [ROUNDS]   (default 7)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/basp/header.hpp>

#include "edge/basp_guard.hpp"
#include "messages/register_types.hpp"
#include "messages/type_ids.hpp"

namespace {

using namespace fovea;
namespace basp = caf::io::basp;
using clock_type = std::chrono::steady_clock;

struct config : caf::actor_system_config {
  config() { register_types(*this); }
};

// CAF's binary serialization of `xs...`.
template <class... Ts>
std::vector<char> serialized(caf::actor_system& sys, const Ts&... xs) {
  std::vector<char> out;
  caf::binary_serializer sink{sys, out};
  if (sink(const_cast<Ts&>(xs)...))
    std::abort();
  return out;
}

std::vector<uint8_t> frame(caf::actor_system& sys, basp::message_type op,
                           uint64_t data, caf::actor_id source,
                           caf::actor_id dest,
                           const std::vector<char>& payload) {
  basp::header hdr{op, 0, static_cast<uint32_t>(payload.size()), data, source,
                   dest};
  std::vector<char> out;
  caf::binary_serializer sink{sys, out};
  if (sink(hdr))
    std::abort();
  out.insert(out.end(), payload.begin(), payload.end());
  return {out.begin(), out.end()};
}

template <class F>
double median_ns_per_frame(int rounds, size_t frames, F run) {
  std::vector<double> samples;
  for (int r = 0; r < rounds; ++r) {
    auto start = clock_type::now();
    run();
    auto ns = std::chrono::duration<double, std::nano>(clock_type::now()
                                                       - start)
                .count();
    samples.push_back(ns / static_cast<double>(frames));
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  config cfg;
  caf::actor_system sys{cfg};
  auto key = [&](const caf::node_id& node) {
    auto out = serialized(sys, node);
    return std::string(out.begin(), out.end());
  };
  caf::node_id::default_data::host_id_type host{};
  host.fill(3);
  auto peer = caf::make_node_id(4242, host);
  host.fill(4);
  auto local = caf::make_node_id(1, host);

  // A batch of 32 PNGs of 800 bytes, a worker's answer of 64 rows.
  std::vector<image_task> tasks(32);
  for (auto& t : tasks) {
    t.job = 1;
    t.path = "demo/fashion-mnist-test/images/00042.png";
    t.bytes.assign(800, 0x42);
  }
  std::vector<prediction> rows(64);
  for (auto& r : rows) {
    r.job = 1;
    r.label = 3;
    r.score = 0.9f;
    r.class_name = "Dress";
  }
  std::vector<caf::strong_actor_ptr> stages;
  auto batch = serialized(
    sys, stages, caf::make_message(enqueue_atom::value, uint64_t{1}, tasks));
  auto answer = serialized(sys, stages, caf::make_message(rows));
  struct kind {
    const char* name;
    std::vector<uint8_t> bytes;
  };
  std::vector<kind> kinds{
    {"client batch of 32 PNGs",
     frame(sys, basp::message_type::direct_message, 1, 7, 1, batch)},
    {"worker answer of 64 rows",
     frame(sys, basp::message_type::direct_message, 2ull | (1ull << 63), 9, 1,
           answer)},
    {"heartbeat", frame(sys, basp::message_type::heartbeat, 0, 0, 0, {})},
  };
  auto hello = frame(sys, basp::message_type::client_handshake, 0, 0, 0,
                     serialized(sys, peer));
  // This node's server handshake, offering actor 1.
  auto own = frame(sys, basp::message_type::server_handshake, 1, 0, 0,
                   serialized(sys, local,
                              std::vector<std::string>{"generic-caf"},
                              caf::actor_id{1}, std::set<std::string>{}));

  constexpr size_t frames = 20000;
  constexpr size_t read_size = 64 * 1024;
  std::printf("%-28s %12s %12s %8s\n", "frame", "guard ns", "copy ns",
              "bytes");
  for (auto& k : kinds) {
    std::vector<uint8_t> stream;
    stream.reserve(k.bytes.size() * frames);
    for (size_t i = 0; i < frames; ++i)
      stream.insert(stream.end(), k.bytes.begin(), k.bytes.end());
    auto guarded = median_ns_per_frame(rounds, frames, [&] {
      basp_guard guard{basp_sender::client, 72u << 20, key(local)};
      guard.observe(own.data(), own.size());
      if (!guard.feed(hello.data(), hello.size()).refusal.empty())
        std::abort();
      for (size_t at = 0; at < stream.size(); at += read_size) {
        auto n = std::min(read_size, stream.size() - at);
        if (!guard.feed(stream.data() + at, n).refusal.empty())
          std::abort();
      }
    });
    std::vector<uint8_t> sink(read_size);
    auto copied = median_ns_per_frame(rounds, frames, [&] {
      for (size_t at = 0; at < stream.size(); at += read_size) {
        auto n = std::min(read_size, stream.size() - at);
        std::memcpy(sink.data(), stream.data() + at, n);
      }
      asm volatile("" : : "r"(sink.data()) : "memory");
    });
    std::printf("%-28s %12.1f %12.1f %8zu\n", k.name, guarded, copied,
                k.bytes.size());
  }
  return 0;
}
