// The HTTP front against hostile clients, on real sockets: slow ones that
// hold connections, oversized and malformed requests, too many at once.
// curl, a client fovea did not write, asks the questions that must be
// answered meanwhile.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "edge/http_front.hpp"
#include "tests/support/process.hpp"
#include "tests/support/socket_peer.hpp"
#include "tests/support/wait.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

struct front_fixture {
  std::unique_ptr<http_front> front;

  explicit front_fixture(std::chrono::milliseconds request_timeout = 2s) {
    http_front_options options;
    options.request_timeout = request_timeout;
    options.max_connections = 64;
    options.max_connections_per_address = 16;
    http_route health;
    health.path = "/healthz";
    health.handler = [](const http_request&) {
      http_answer a;
      a.body = "ok\n";
      return a;
    };
    std::string problem;
    front = http_front::start(std::move(options), {health}, problem);
    INFO(problem);
    REQUIRE(front);
  }

  /// curl's answer from source address `from` within `seconds`: the status
  /// and body, or curl's complaint.
  std::string curl(const std::string& from, const std::string& path,
                   int seconds = 1) {
    return test::run_command("curl -sS -m " + std::to_string(seconds)
                               + " --interface " + from
                               + " -w ' %{http_code}' http://127.0.0.1:"
                               + std::to_string(front->port()) + path
                               + " 2>&1",
                             30)
      .second;
  }

  /// The status line of the answer to raw `request` bytes.
  std::string status_of(const std::string& request) {
    test::socket_peer peer{"127.0.0.1", front->port()};
    REQUIRE(peer.connected());
    peer.send(std::vector<uint8_t>(request.begin(), request.end()));
    auto got = peer.read(12, 5s);
    return std::string(got.begin(), got.end());
  }
};

} // namespace

TEST_CASE("fifty slow clients do not keep the HTTP front from answering "
          "within a second, and are closed at their deadline",
          "[unit][edge][http]") {
  front_fixture f;
  std::vector<std::unique_ptr<test::socket_peer>> slow;
  const std::string part = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  for (int i = 0; i < 50; ++i) {
    // Ten from each of five addresses, within the per-address cap.
    auto from = "127.0.0." + std::to_string(10 + i / 10);
    slow.push_back(std::make_unique<test::socket_peer>(
      "127.0.0.1", f.front->port(), nullptr, false, from));
    REQUIRE(slow.back()->connected());
    REQUIRE(slow.back()->send(std::vector<uint8_t>(part.begin(), part.end())));
  }
  // Another host asks while all fifty hold their requests open.
  auto answer = f.curl("127.0.0.2", "/healthz");
  CHECK_THAT(answer, Catch::Contains("ok") && Catch::EndsWith(" 200"));
  // A request that does not arrive whole within its deadline is closed.
  for (auto& peer : slow)
    CHECK(peer->closed_within(10s));
}

TEST_CASE("the HTTP front answers bad requests with their status and stays "
          "up",
          "[unit][edge][http]") {
  front_fixture f;
  std::string huge_header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
                            + std::string(9000, 'a') + "\r\n\r\n";
  CHECK_THAT(f.status_of(huge_header), Catch::EndsWith("431"));
  CHECK_THAT(f.status_of("GET /healthz HTTP/1.1\r\nHost: x\r\n"
                         "Content-Length: 10\r\n\r\n0123456789"),
             Catch::EndsWith("413"));
  CHECK_THAT(f.status_of("HELLO THERE\r\n\r\n"), Catch::EndsWith("400"));
  CHECK_THAT(f.status_of("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"),
             Catch::EndsWith("404"));
  CHECK_THAT(f.status_of("POST /healthz HTTP/1.1\r\nHost: x\r\n"
                         "Content-Length: 0\r\n\r\n"),
             Catch::EndsWith("405"));
  CHECK_THAT(f.curl("127.0.0.2", "/healthz"), Catch::EndsWith(" 200"));
}

TEST_CASE("the HTTP front holds to its connection caps",
          "[unit][edge][http]") {
  front_fixture f{30s};
  std::vector<std::unique_ptr<test::socket_peer>> held;
  for (int i = 0; i < 16; ++i) {
    held.push_back(std::make_unique<test::socket_peer>(
      "127.0.0.1", f.front->port(), nullptr, false, "127.0.0.20"));
    REQUIRE(held.back()->connected());
  }
  // The seventeenth from that address is closed at once...
  test::socket_peer over{"127.0.0.1", f.front->port(), nullptr, false,
                         "127.0.0.20"};
  CHECK(over.closed_within(5s));
  // ... while another address is served.
  CHECK_THAT(f.curl("127.0.0.3", "/healthz"), Catch::EndsWith(" 200"));
}

namespace {

// A front with one route that answers later: each request's responder is
// handed to the test, which answers (or not) from its own thread.
struct later_fixture {
  std::mutex lock;
  std::condition_variable arrived;
  std::vector<std::pair<http_request, http_responder>> waiting;
  std::unique_ptr<http_front> front;

  explicit later_fixture(std::chrono::milliseconds answer_timeout = 10s,
                         uint64_t max_body_bytes_held = 0) {
    http_front_options options;
    options.answer_timeout = answer_timeout;
    options.max_body_bytes_held = max_body_bytes_held;
    http_route later;
    later.method = "POST";
    later.path = "/later/";
    later.prefix = true;
    later.max_body_bytes = 100;
    later.answer_later = [this](http_request request, http_responder respond) {
      std::lock_guard<std::mutex> guard{lock};
      waiting.emplace_back(std::move(request), std::move(respond));
      arrived.notify_all();
    };
    std::string problem;
    front = http_front::start(std::move(options), {later}, problem);
    INFO(problem);
    REQUIRE(front);
  }

  // The `n`th request to arrive (from 1), within 10 s.
  std::pair<http_request, http_responder>& request(size_t n) {
    std::unique_lock<std::mutex> guard{lock};
    REQUIRE(arrived.wait_for(guard, 10s, [&] { return waiting.size() >= n; }));
    return waiting[n - 1];
  }

  std::unique_ptr<test::socket_peer> post(const std::string& path,
                                          const std::string& body) {
    auto peer = std::make_unique<test::socket_peer>("127.0.0.1", front->port());
    REQUIRE(peer->connected());
    auto bytes = "POST " + path + " HTTP/1.1\r\nHost: x\r\nX-Ask: yes\r\n"
                 "Connection: close\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"
                 + body;
    REQUIRE(peer->send(std::vector<uint8_t>(bytes.begin(), bytes.end())));
    return peer;
  }
};

std::string text_of(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

} // namespace

TEST_CASE("a route answers later from another thread, once, with its own "
          "header fields, and sees the request's",
          "[unit][edge][http]") {
  later_fixture f;
  auto peer = f.post("/later/one", "hello");
  auto& [request, respond] = f.request(1);
  CHECK(request.path == "/later/one");
  CHECK(request.body == "hello");
  CHECK(request.header("x-ask") == "yes");
  std::thread answering{[respond = respond] {
    http_answer answer;
    answer.body = "answered";
    answer.headers.emplace_back("Inference-Header-Content-Length", "8");
    respond(answer);
    answer.body = "twice";
    respond(answer); // does nothing
  }};
  answering.join();
  auto got = text_of(peer->read(4096, 5s));
  CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(got, Catch::Contains("Inference-Header-Content-Length: 8"));
  CHECK_THAT(got, Catch::EndsWith("answered"));
  CHECK_THAT(got, !Catch::Contains("twice"));
}

TEST_CASE("a request answered too late gets 504, one whose client went is "
          "abandoned, and an answer after the front stopped goes nowhere",
          "[unit][edge][http]") {
  later_fixture f{300ms};
  auto late = f.post("/later/late", "");
  auto gone = f.post("/later/gone", "");
  auto first = f.request(1).second;
  auto second = f.request(2).second;
  // Nobody answers the first: 504 at the deadline, then the connection
  // closes.
  auto got = text_of(late->read(4096, 5s));
  CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 504"));
  CHECK(first.abandoned());
  // The second's client leaves before its answer.
  test::event_count left;
  second.when_abandoned([&] { left.add(); });
  gone.reset();
  REQUIRE(left.wait_for(1, 5s));
  CHECK(second.abandoned());
  second(http_answer{}); // goes nowhere
  // One waits while the front stops; its answer comes after.
  auto third_peer = f.post("/later/third", "");
  auto third = f.request(3).second;
  f.front.reset();
  third(http_answer{});
  CHECK(third_peer->closed_within(5s));
}

TEST_CASE("each route bounds its own body", "[unit][edge][http]") {
  later_fixture f;
  auto big = f.post("/later/big", std::string(101, 'x'));
  CHECK_THAT(text_of(big->read(12, 5s)), Catch::EndsWith("413"));
  auto fits = f.post("/later/fits", std::string(100, 'x'));
  auto& [request, respond] = f.request(1);
  CHECK(request.body.size() == 100);
  respond(http_answer{});
  CHECK_THAT(text_of(fits->read(12, 5s)), Catch::EndsWith("200"));
}

TEST_CASE("the bodies of requests not yet answered stay within the front's "
          "budget, and one past it is refused from its header",
          "[unit][edge][http]") {
  later_fixture f{10s, 250}; // bodies of at most 100 bytes, 250 held
  auto first = f.post("/later/1", std::string(100, 'a'));
  auto second = f.post("/later/2", std::string(100, 'b'));
  auto answer_first = f.request(1).second;
  f.request(2); // both read, both waiting for their answer: 200 bytes held
  // A third of 100 would hold 300: 503 from its header, its body unsent.
  test::socket_peer third{"127.0.0.1", f.front->port()};
  REQUIRE(third.connected());
  std::string header = "POST /later/3 HTTP/1.1\r\nHost: x\r\n"
                       "Content-Length: 100\r\n\r\n";
  REQUIRE(third.send(std::vector<uint8_t>(header.begin(), header.end())));
  CHECK_THAT(text_of(third.read(12, 5s)), Catch::EndsWith("503"));
  CHECK(third.closed_within(5s));
  // One of 50 fits beside them.
  auto small = f.post("/later/4", std::string(50, 'c'));
  CHECK(f.request(3).first.body.size() == 50);
  // The first answered, its 100 bytes are free for another.
  answer_first(http_answer{});
  CHECK_THAT(text_of(first->read(12, 5s)), Catch::EndsWith("200"));
  auto again = f.post("/later/5", std::string(100, 'd'));
  CHECK(f.request(4).first.body.size() == 100);
  for (size_t i = 2; i <= 4; ++i)
    f.request(i).second(http_answer{});
  CHECK_THAT(text_of(again->read(12, 5s)), Catch::EndsWith("200"));
}
