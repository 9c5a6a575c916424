// The HTTP front against hostile clients, on real sockets: slow ones that
// hold connections, oversized and malformed requests, too many at once.
// curl, a client fovea did not write, asks the questions that must be
// answered meanwhile.
#include <catch2/catch.hpp>

#include "edge/http_front.hpp"
#include "tests/support/process.hpp"
#include "tests/support/socket_peer.hpp"

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
