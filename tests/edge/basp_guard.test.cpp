// The BASP frame guard against frames made by CAF's own serializer, so the
// guard and CAF 0.17 agree on the wire format byte for byte.
#include <catch2/catch.hpp>

#include <caf/io/basp/header.hpp>

#include "edge/basp_guard.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_frames.hpp"

using namespace fovea;
namespace basp = caf::io::basp;

namespace {

struct frames : test::actor_fixture {
  std::vector<uint8_t> frame(basp::message_type op, uint64_t operation_data,
                             caf::actor_id source, caf::actor_id dest,
                             const std::vector<char>& payload,
                             std::optional<uint32_t> claimed_len = {}) {
    return test::basp_frame(sys, op, operation_data, source, dest, payload,
                            claimed_len);
  }

  template <class... Ts>
  std::vector<char> payload(Ts&&... xs) {
    return test::serialized(sys, xs...);
  }

  std::vector<uint8_t> client_handshake(const caf::node_id& node) {
    return test::client_handshake(sys, node);
  }

  std::vector<uint8_t> direct(size_t bytes) {
    return test::direct_message(sys, bytes);
  }

  caf::node_id other_node() { return test::some_other_node(); }
};

std::string feed(basp_guard& guard, const std::vector<uint8_t>& bytes) {
  return guard.feed(bytes.data(), bytes.size()).refusal;
}

} // namespace

TEST_CASE_METHOD(frames,
                 "the guard passes a client's handshake and messages "
                 "and learns its node from CAF's serialization",
                 "[unit][edge]") {
  basp_guard guard{basp_sender::client, 1 << 20};
  auto hello = client_handshake(sys.node());
  auto verdict = guard.feed(hello.data(), hello.size());
  CHECK(verdict.refusal.empty());
  CHECK(verdict.node_named);
  auto expected = payload(sys.node());
  CHECK(guard.node() == std::string(expected.begin(), expected.end()));
  CHECK(guard.handshaken());
  CHECK(feed(guard, direct(1000)).empty());
  CHECK(feed(guard, frame(basp::message_type::heartbeat, 0, 0, 0, {})).empty());
  // CAF repeats its handshake on the same connection to select it.
  CHECK(feed(guard, hello).empty());
}

TEST_CASE_METHOD(frames, "the guard sees frames however the stream is cut",
                 "[unit][edge]") {
  basp_guard guard{basp_sender::client, 1 << 20};
  auto stream = client_handshake(sys.node());
  for (auto& part : {direct(10), direct(100000), direct(1)})
    stream.insert(stream.end(), part.begin(), part.end());
  auto bad = direct(2 << 20); // over the limit
  stream.insert(stream.end(), bad.begin(), bad.begin() + 40);
  std::string refusal;
  size_t refused_at = 0;
  for (size_t i = 0; i < stream.size() && refusal.empty(); i += 3) {
    auto n = std::min<size_t>(3, stream.size() - i);
    refusal = guard.feed(stream.data() + i, n).refusal;
    refused_at = i + n;
  }
  CHECK_THAT(refusal, Catch::Contains("over the limit"));
  // Refused as soon as the bad header was whole, before its payload.
  CHECK(refused_at >= stream.size() - 40 + basp_guard::header_size);
  CHECK(refused_at < stream.size() - 40 + basp_guard::header_size + 3);
}

TEST_CASE_METHOD(frames, "the guard refuses what CAF would trust",
                 "[unit][edge]") {
  using op = basp::message_type;
  auto node = payload(sys.node());
  std::vector<uint8_t> hello = client_handshake(sys.node());
  struct bad_case {
    std::string name;
    bool after_handshake;
    std::vector<uint8_t> bytes;
    std::string reason;
  };
  auto four_gib = frame(op::client_handshake, 0, 0, 0, {}, 0xFFFFFFF0u);
  auto spoofed = payload(other_node(), sys.node());
  std::vector<bad_case> cases{
      {"a 4 GiB payload in the first header", false, four_gib,
       "over the limit"},
      {"a message before the handshake", false, direct(10),
       "before the handshake"},
      {"a routed message", true,
       frame(op::routed_message, 0, 1, 2, payload(sys.node(), other_node())),
       "routed message"},
      {"the server's handshake from a client", false,
       frame(op::server_handshake, 1, 0, 0, node), "wrong side"},
      {"a client handshake that is not a node id", false,
       frame(op::client_handshake, 0, 0, 0, payload(std::string(40, 'a'))),
       "not a node id"},
      {"a handshake naming another node later", true,
       client_handshake(other_node()), "another node"},
      {"a down message for another node", true,
       frame(op::down_message, 0, 7, 0,
             payload(other_node(), sys.node(), caf::error{})),
       "another node"},
      {"a monitor message for another node", true,
       frame(op::monitor_message, 0, 0, 9, spoofed), "another node"},
      {"an unknown frame type", true, std::vector<uint8_t>(32, 0x16),
       "not a CAF frame"},
      {"a heartbeat with a payload", true, frame(op::heartbeat, 0, 0, 0, {'x'}),
       "malformed"},
      {"a message over the configured limit", true, direct((1 << 20) + 1),
       "fovea.max-message-bytes"},
  };
  for (auto& c : cases) {
    SECTION(c.name) {
      basp_guard guard{basp_sender::client, 1 << 20};
      if (c.after_handshake)
        REQUIRE(feed(guard, hello).empty());
      CHECK_THAT(feed(guard, c.bytes), Catch::Contains(c.reason));
    }
  }
}

TEST_CASE_METHOD(frames,
                 "the guard of an outgoing route expects the server's "
                 "handshake first",
                 "[unit][edge]") {
  basp_guard guard{basp_sender::server, 1 << 20};
  auto hello =
      frame(basp::message_type::server_handshake, 1, 0, 0,
            payload(sys.node(), std::vector<std::string>{"generic-caf"},
                    caf::actor_id{5}, std::set<std::string>{"a", "b"}));
  auto verdict = guard.feed(hello.data(), hello.size());
  CHECK(verdict.refusal.empty());
  CHECK(verdict.node_named);
  CHECK(feed(guard, direct(10)).empty());
  basp_guard other{basp_sender::server, 1 << 20};
  CHECK_THAT(feed(other, client_handshake(sys.node())),
             Catch::Contains("wrong side"));
}
