// fovea-bench-oip-grpc: an open-loop load generator for the Open Inference
// Protocol's gRPC service (bench/run online), the twin of fovea-bench-oip.
//
//   fovea-bench-oip-grpc HOST PORT IMAGES_DIR RATE SECONDS [IN_FLIGHT]
//
// Call i is due at start + i / RATE, whatever happened to the ones before
// it; its latency counts from that due time (no coordinated omission): a
// call that waits for one of the IN_FLIGHT slots waits on the clock. Each
// call is one image (the PNGs of IMAGES_DIR in turn) as a raw BYTES tensor,
// answered with the classification extension (K = 1), over one HTTP/2
// channel as gRPC clients share one. RATE 0 runs closed-loop: IN_FLIGHT
// calls, each followed by the next as soon as it is answered, for the
// saturated rate. Prints one line, as fovea-bench-oip does:
//   sent=N ok=N failed=N seconds=S rate=R p50_ms= p90_ms= p99_ms= max_ms=
// Everything is bounded: RATE x SECONDS calls, at most IN_FLIGHT at once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "open_inference_grpc.grpc.pb.h"

using clock_type = std::chrono::steady_clock;

namespace {

std::vector<inference::ModelInferRequest>
requests_from(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (auto& entry : std::filesystem::directory_iterator{dir})
    if (entry.path().extension() == ".png" || entry.path().extension() == ".jpg")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.size() > 1000)
    files.resize(1000);
  std::vector<inference::ModelInferRequest> out;
  for (auto& file : files) {
    std::ifstream in{file, std::ios::binary};
    std::string image{std::istreambuf_iterator<char>{in}, {}};
    auto n = static_cast<uint32_t>(image.size());
    auto& request = out.emplace_back();
    request.set_model_name("fashion-mnist");
    auto* input = request.add_inputs();
    input->set_name("image");
    input->set_datatype("BYTES");
    input->add_shape(1);
    auto* output = request.add_outputs();
    output->set_name("probabilities");
    (*output->mutable_parameters())["classification"].set_int64_param(1);
    auto* raw = request.add_raw_input_contents();
    raw->assign(reinterpret_cast<const char*>(&n), 4);
    *raw += image;
  }
  return out;
}

struct load {
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub;
  std::vector<inference::ModelInferRequest> requests;
  double rate = 0;
  size_t in_flight_limit = 64;

  std::mutex mutex;
  std::condition_variable changed;
  size_t in_flight = 0;
  size_t ok = 0, failed = 0;
  std::vector<double> latencies_ms;
  clock_type::time_point last_done;

  struct call {
    grpc::ClientContext context;
    inference::ModelInferResponse response;
    clock_type::time_point due;
  };

  // Starts call `number`, due at `due`; `then` runs after it is counted.
  void start(size_t number, clock_type::time_point due,
             std::function<void()> then) {
    auto* c = new call;
    c->due = due;
    c->context.set_deadline(std::chrono::system_clock::now()
                            + std::chrono::seconds(30));
    stub->async()->ModelInfer(
      &c->context, &requests[number % requests.size()], &c->response,
      [this, c, then](grpc::Status status) {
        auto now = clock_type::now();
        {
          std::lock_guard guard{mutex};
          (status.ok() ? ok : failed) += 1;
          latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(now - c->due).count());
          last_done = now;
        }
        delete c;
        if (then)
          then();
        // Last, and under the lock: once main sees no call in flight it
        // returns, and nothing here touches the load after that.
        std::lock_guard guard{mutex};
        --in_flight;
        changed.notify_all();
      });
  }
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto at = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + at, v.end());
  return v[at];
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: fovea-bench-oip-grpc HOST PORT IMAGES_DIR RATE "
                 "SECONDS [IN_FLIGHT]\n";
    return 2;
  }
  load l;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  l.stub = inference::GRPCInferenceService::NewStub(grpc::CreateCustomChannel(
    std::string{argv[1]} + ":" + argv[2], grpc::InsecureChannelCredentials(),
    args));
  l.requests = requests_from(argv[3]);
  l.rate = std::atof(argv[4]);
  auto seconds = std::atof(argv[5]);
  l.in_flight_limit = argc > 6 ? std::strtoul(argv[6], nullptr, 10) : 64;
  if (l.requests.empty() || seconds <= 0 || l.in_flight_limit == 0) {
    std::cerr << "fovea-bench-oip-grpc: no images, or nothing to do\n";
    return 2;
  }
  auto start = clock_type::now();
  auto stop_at = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(seconds));
  std::atomic<size_t> sent = 0;
  // Closed loop: each answer starts the next until SECONDS have passed.
  std::function<void()> next = [&] {
    if (clock_type::now() >= stop_at)
      return;
    {
      std::lock_guard count{l.mutex};
      ++l.in_flight;
    }
    l.start(sent++, clock_type::now(), next);
  };
  if (l.rate <= 0) {
    for (size_t i = 0; i < l.in_flight_limit; ++i)
      next();
  } else {
    auto total = static_cast<size_t>(l.rate * seconds);
    for (size_t i = 0; i < total; ++i) {
      auto due = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(i / l.rate));
      std::this_thread::sleep_until(due);
      std::unique_lock lock{l.mutex};
      l.changed.wait(lock, [&] { return l.in_flight < l.in_flight_limit; });
      ++l.in_flight;
      lock.unlock();
      l.start(i, due, nullptr);
      ++sent;
    }
  }
  // Every call ends (answered, failed, or at its 30 s deadline).
  std::unique_lock lock{l.mutex};
  l.changed.wait(lock, [&] {
    return l.in_flight == 0 && (l.rate > 0 || clock_type::now() >= stop_at);
  });
  auto seconds_taken
    = std::chrono::duration<double>(l.last_done - start).count();
  auto& v = l.latencies_ms;
  auto max = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  std::printf("sent=%zu ok=%zu failed=%zu seconds=%.2f rate=%.1f "
              "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              v.size(), l.ok, l.failed, seconds_taken,
              seconds_taken > 0 ? l.ok / seconds_taken : 0.0,
              percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99),
              max);
  return l.failed == 0 ? 0 : 1;
}
