// fovea-bench-oip: an open-loop load generator for the Open Inference
// Protocol's REST endpoint (bench/run online).
//
//   fovea-bench-oip HOST PORT PATH IMAGES_DIR RATE SECONDS [CONNECTIONS]
//
// Request i is due at start + i / RATE, whatever happened to the ones
// before it; its latency counts from that due time, not from when a
// connection was free to send it, so a stall shows in the tail rather than
// slowing the schedule (coordinated omission). Each request is one image
// (the PNGs of IMAGES_DIR in turn) as binary tensor data, answered with
// the classification extension (K = 1). RATE 0 runs closed-loop instead:
// CONNECTIONS clients each send their next request as soon as the last is
// answered, for the saturated rate. Prints one line:
//   sent=N ok=N failed=N seconds=S rate=R p50_ms= p90_ms= p99_ms= max_ms=
// Everything is bounded: RATE x SECONDS requests, at most CONNECTIONS open.
//
// Against a loopback address, connections past the 64th come from
// 127.0.0.2, past the 128th from 127.0.0.3, and so on: each source address
// is a client within the inference front's default cap from one address
// (oip-max-connections-per-address), so that more requests than one
// client may keep can be in flight, as they are when many clients call.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using clock_type = std::chrono::steady_clock;
using asio::ip::tcp;

namespace {

struct request_body {
  std::string body;
  std::string json_length;
};

std::vector<request_body> bodies_from(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (auto& entry : std::filesystem::directory_iterator{dir})
    if (entry.path().extension() == ".png" || entry.path().extension() == ".jpg")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.size() > 1000)
    files.resize(1000);
  std::vector<request_body> out;
  for (auto& file : files) {
    std::ifstream in{file, std::ios::binary};
    std::string image{std::istreambuf_iterator<char>{in}, {}};
    auto n = static_cast<uint32_t>(image.size());
    std::string data(reinterpret_cast<const char*>(&n), 4);
    data += image;
    auto json = "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\","
                "\"shape\":[1],\"parameters\":{\"binary_data_size\":"
                + std::to_string(data.size())
                + "}}],\"outputs\":[{\"name\":\"probabilities\","
                  "\"parameters\":{\"classification\":1}}]}";
    out.push_back({json + data, std::to_string(json.size())});
  }
  return out;
}

// Connections per source address: the inference front's default cap.
constexpr size_t connections_per_source = 64;

struct load {
  asio::io_context io;
  tcp::endpoint target;
  std::string host;
  std::string path;
  std::vector<request_body> bodies;
  double rate = 0;
  size_t total = 0;       ///< requests to send
  size_t next = 0;        ///< the next request's number
  size_t ok = 0, failed = 0;
  clock_type::time_point start;
  std::deque<clock_type::time_point> due; ///< requests due, not yet sent
  std::vector<double> latencies_ms;
  std::vector<struct client*> idle;
  clock_type::time_point last_done;

  clock_type::time_point due_time(size_t i) const {
    return start + std::chrono::duration_cast<clock_type::duration>(
                     std::chrono::duration<double>(i / rate));
  }
  bool closed_loop() const { return rate <= 0; }
  void send_due();
};

struct client : std::enable_shared_from_this<client> {
  load& l;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  clock_type::time_point due;
  bool connected = false;

  /// Where it connects from; unspecified: wherever the kernel picks.
  asio::ip::address source;

  client(load& owner, asio::ip::address from)
    : l(owner), stream(owner.io), source(std::move(from)) {}

  void send(clock_type::time_point when, size_t number) {
    due = when;
    auto& body = l.bodies[number % l.bodies.size()];
    request = {http::verb::post, l.path, 11};
    request.set(http::field::host, l.host);
    request.set("Inference-Header-Content-Length", body.json_length);
    request.set(http::field::content_type, "application/octet-stream");
    request.body() = body.body;
    request.prepare_payload();
    auto self = shared_from_this();
    if (!connected) {
      if (!source.is_unspecified()) {
        beast::error_code ec;
        stream.socket().open(l.target.protocol(), ec);
        if (!ec)
          stream.socket().bind({source, 0}, ec);
        if (ec) // counted from the loop, not from inside this send
          return asio::post(l.io, [self] { self->done(false); });
      }
      stream.async_connect(l.target, [self](beast::error_code ec) {
        if (ec)
          return self->done(false);
        self->connected = true;
        self->write();
      });
      return;
    }
    write();
  }

  void write() {
    auto self = shared_from_this();
    http::async_write(stream, request,
                      [self](beast::error_code ec, size_t) {
                        if (ec)
                          return self->done(false);
                        self->response = {};
                        http::async_read(self->stream, self->buffer,
                                         self->response,
                                         [self](beast::error_code ec, size_t) {
                                           self->done(!ec
                                                      && self->response
                                                           .result_int()
                                                           == 200);
                                         });
                      });
  }

  void done(bool good) {
    auto now = clock_type::now();
    l.last_done = now;
    if (good)
      ++l.ok;
    else {
      ++l.failed;
      connected = false;
      beast::error_code ignored;
      stream.socket().close(ignored);
      buffer.clear();
    }
    l.latencies_ms.push_back(
      std::chrono::duration<double, std::milli>(now - due).count());
    if (l.closed_loop()) {
      if (l.next < l.total)
        send(clock_type::now(), l.next++);
      return;
    }
    l.idle.push_back(this);
    l.send_due();
  }
};

void load::send_due() {
  while (!due.empty() && !idle.empty()) {
    auto* c = idle.back();
    idle.pop_back();
    c->send(due.front(), next - due.size());
    due.pop_front();
  }
}

// Connection i's source address: 127.0.0.(1 + i / 64) towards a loopback
// IPv4 target, else the kernel's choice.
asio::ip::address source_of(const tcp::endpoint& target, size_t i) {
  auto to = target.address();
  if (!to.is_v4() || !to.is_loopback())
    return {};
  auto client = i / connections_per_source;
  if (client > 253)
    return {};
  return asio::ip::make_address_v4(
    static_cast<asio::ip::address_v4::uint_type>((127u << 24) | (client + 1)));
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto at = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + at, v.end());
  return v[at];
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: fovea-bench-oip HOST PORT PATH IMAGES_DIR RATE "
                 "SECONDS [CONNECTIONS]\n";
    return 2;
  }
  load l;
  l.host = argv[1];
  l.target = {asio::ip::make_address(argv[1]),
              static_cast<uint16_t>(std::atoi(argv[2]))};
  l.path = argv[3];
  l.bodies = bodies_from(argv[4]);
  l.rate = std::atof(argv[5]);
  auto seconds = std::atof(argv[6]);
  size_t connections = argc > 7 ? std::strtoul(argv[7], nullptr, 10) : 64;
  if (l.bodies.empty() || seconds <= 0 || connections == 0) {
    std::cerr << "fovea-bench-oip: no images, or nothing to do\n";
    return 2;
  }
  std::vector<std::shared_ptr<client>> clients;
  for (size_t i = 0; i < connections; ++i)
    clients.push_back(std::make_shared<client>(l, source_of(l.target, i)));
  l.start = clock_type::now();
  asio::steady_timer tick{l.io};
  std::function<void()> schedule; // lives until io.run() returns
  if (l.closed_loop()) {
    // As many as the connections answer in SECONDS; the count bounds it.
    l.total = static_cast<size_t>(seconds * 20000);
    auto stop_at = l.start + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(seconds));
    for (auto& c : clients)
      c->send(clock_type::now(), l.next++);
    tick.expires_at(stop_at);
    tick.async_wait([&](beast::error_code) { l.total = l.next; });
  } else {
    l.total = static_cast<size_t>(l.rate * seconds);
    for (auto& c : clients)
      l.idle.push_back(c.get());
    // Each tick queues the requests due by now (1 ms apart at most).
    schedule = [&] {
      auto now = clock_type::now();
      while (l.next < l.total && l.due_time(l.next) <= now) {
        l.due.push_back(l.due_time(l.next));
        ++l.next;
      }
      l.send_due();
      if (l.next < l.total) {
        tick.expires_at(std::min(l.due_time(l.next),
                                 now + std::chrono::milliseconds(1)));
        tick.async_wait([&](beast::error_code) { schedule(); });
      }
    };
    schedule();
  }
  l.io.run();
  auto seconds_taken
    = std::chrono::duration<double>(l.last_done - l.start).count();
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
