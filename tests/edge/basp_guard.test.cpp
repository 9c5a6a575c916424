// The BASP allow-list against frames made by CAF's own serializer, so the
// guard and CAF 0.17 agree on the wire format byte for byte: what fovea's
// nodes send passes, and each frame an attacker could use instead is
// refused before CAF has all of it.
#include <catch2/catch.hpp>

#include <caf/io/basp/header.hpp>

#include "edge/basp_guard.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_frames.hpp"

using namespace fovea;
namespace basp = caf::io::basp;
using op = basp::message_type;

namespace {

constexpr caf::actor_id published = 1; ///< what this node offers
constexpr caf::actor_id asker = 9;     ///< an actor of this node that asked

struct frames : test::actor_fixture {
  /// The node the guard protects (not the test's actor system's).
  caf::node_id local = test::some_other_node(1);
  /// The node on the other end of the connection.
  caf::node_id peer = sys.node();

  std::vector<uint8_t> frame(op kind, uint64_t operation_data,
                             caf::actor_id source, caf::actor_id dest,
                             const std::vector<char>& payload,
                             std::optional<uint32_t> claimed_len = {},
                             uint8_t flags = 0) {
    return test::basp_frame(sys, kind, operation_data, source, dest, payload,
                            claimed_len, flags);
  }

  template <class... Ts>
  std::vector<char> payload(Ts&&... xs) {
    return test::serialized(sys, xs...);
  }

  std::string key(const caf::node_id& node) {
    auto bytes = payload(node);
    return {bytes.begin(), bytes.end()};
  }

  template <class... Ts>
  std::vector<uint8_t> to(caf::actor_id dest, Ts&&... xs) {
    return test::direct_message_of(sys, dest,
                                   caf::make_message(std::forward<Ts>(xs)...));
  }

  /// A payload laid out by hand: an empty forwarding stack, the content's
  /// type names, then `xs` (checked against CAF's own layout below).
  template <class... Ts>
  std::vector<char> content(const std::string& types, Ts&&... xs) {
    std::vector<caf::strong_actor_ptr> stages;
    return payload(stages, uint16_t{0}, types, xs...);
  }

  /// A guard of a connection this node accepted, whose handshakes passed:
  /// this node's server handshake offered `published`, the peer's client
  /// handshake named `peer`, and this node's actor `asker` sent a request.
  basp_guard accepted() {
    basp_guard guard{basp_sender::client, 1 << 20, key(local)};
    auto mine = test::server_handshake(sys, local);
    guard.observe(mine.data(), mine.size());
    auto hello = test::client_handshake(sys, peer);
    REQUIRE(guard.feed(hello.data(), hello.size()).refusal.empty());
    auto request = test::direct_message_of(
      sys, 3, caf::make_message(ping_atom::value), 0, {}, asker);
    guard.observe(request.data(), request.size());
    return guard;
  }
};

std::string feed(basp_guard& guard, const std::vector<uint8_t>& bytes) {
  return guard.feed(bytes.data(), bytes.size()).refusal;
}

} // namespace

TEST_CASE_METHOD(frames,
                 "the guard passes what a fovea node sends and learns "
                 "the peer's node from CAF's serialization",
                 "[unit][edge]") {
  basp_guard guard{basp_sender::client, 1 << 20, key(local)};
  auto mine = test::server_handshake(sys, local);
  guard.observe(mine.data(), mine.size());
  auto hello = test::client_handshake(sys, peer);
  auto verdict = guard.feed(hello.data(), hello.size());
  CHECK(verdict.refusal.empty());
  CHECK(verdict.node_named);
  CHECK(guard.node() == key(peer));
  CHECK(guard.handshaken());
  // CAF repeats its handshake to select the connection.
  CHECK(feed(guard, frame(op::client_handshake, 0, 0, 0, payload(peer), {},
                          basp::header::select_connection_flag))
          .empty());
  CHECK(feed(guard, frame(op::heartbeat, 0, 0, 0, {})).empty());
  CHECK(feed(guard, to(published, submit_atom::value, job_spec{})).empty());
  CHECK(feed(guard, to(published, enqueue_atom::value, uint64_t{1},
                       std::vector<image_task>(3)))
          .empty());
  CHECK(feed(guard, test::direct_message(sys, 100000)).empty());
  // The broker's discovery of a new node, and what it is answered.
  CHECK(feed(guard, test::direct_message_of(
                      sys, basp_wire::atom_value("SpawnServ"),
                      caf::make_message(caf::sys_atom::value,
                                        caf::get_atom::value,
                                        std::string{"info"}),
                      basp::header::named_receiver_flag))
          .empty());
  auto request = test::direct_message_of(
    sys, 3, caf::make_message(ping_atom::value), 0, {}, asker);
  guard.observe(request.data(), request.size());
  CHECK(feed(guard, frame(op::direct_message, 0, 5, asker,
                          content("@<>+@atom+@str+@strong_actor_ptr+@str",
                                  caf::ok_atom::value, std::string{"info"},
                                  caf::actor_id{5}, peer,
                                  std::string{"spawn_server"})))
          .empty());
  // Replies, errors and the end of a monitored actor.
  CHECK(feed(guard, to(asker, std::string{"coordinator"})).empty());
  CHECK(feed(guard, to(asker, make_error(errc::over_limit, "too many")))
          .empty());
  CHECK(feed(guard, frame(op::monitor_message, 0, 0, published,
                          payload(peer, local)))
          .empty());
  CHECK(feed(guard, frame(op::down_message, 0, 5, 0,
                          payload(peer, local,
                                  caf::make_error(caf::exit_reason::normal))))
          .empty());
}

TEST_CASE_METHOD(frames,
                 "the guard reads the layouts it checks as CAF writes them",
                 "[unit][edge]") {
  // The info reply names an actor handle: a local one serializes as its id
  // and this test's node, which the hand-made layout must equal.
  auto someone = caf::actor_cast<caf::strong_actor_ptr>(self);
  auto by_caf = payload(std::vector<caf::strong_actor_ptr>{},
                        caf::make_message(caf::ok_atom::value,
                                          std::string{"info"}, someone,
                                          std::string{"x"}));
  auto by_hand = content("@<>+@atom+@str+@strong_actor_ptr+@str",
                         caf::ok_atom::value, std::string{"info"},
                         someone->id(), sys.node(), std::string{"x"});
  CHECK(by_caf == by_hand);
  CHECK(basp_wire::atom_value("SpawnServ")
        == static_cast<uint64_t>(caf::atom("SpawnServ")));
  CHECK(basp_wire::atom_value("") == static_cast<uint64_t>(caf::atom("")));
}

TEST_CASE_METHOD(frames, "the guard sees frames however the stream is cut",
                 "[unit][edge]") {
  auto guard = accepted();
  std::vector<uint8_t> stream;
  for (auto& part :
       {test::direct_message(sys, 10), test::direct_message(sys, 100000),
        test::direct_message(sys, 1)})
    stream.insert(stream.end(), part.begin(), part.end());
  auto bad = test::direct_message(sys, 2 << 20); // over the limit
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
  CHECK(refused_at >= stream.size() - 40 + basp_wire::header_size);
  CHECK(refused_at < stream.size() - 40 + basp_wire::header_size + 3);
}

TEST_CASE_METHOD(frames,
                 "the guard refuses a frame whose last byte would make CAF "
                 "act on it, whatever the cut",
                 "[unit][edge]") {
  // A message to an actor this node never offered: refused at its header.
  // One with a forwarding stack: refused once its first bytes are in, long
  // before its last.
  auto guard = accepted();
  auto staged = frame(op::direct_message, 0, 7, published,
                      content("@<>+@atom", ping_atom::value));
  staged[32] = 1; // one stage
  for (size_t cut = 1; cut < staged.size(); ++cut) {
    auto fresh = accepted();
    auto first = fresh.feed(staged.data(), cut).refusal;
    auto rest = fresh.feed(staged.data() + cut, staged.size() - cut).refusal;
    CHECK((!first.empty() || !rest.empty()));
  }
}

TEST_CASE_METHOD(frames, "the guard refuses what CAF would trust",
                 "[unit][edge]") {
  auto third = test::some_other_node(77);
  auto stranger_actor = content("@<>+@atom+@str+@strong_actor_ptr+@str",
                                caf::ok_atom::value, std::string{"info"},
                                caf::actor_id{5}, third, std::string{"x"});
  // An error whose context holds an actor handle (caf::error's
  // constructor takes its context as it is).
  auto handle_in_error = caf::error{
    static_cast<uint8_t>(caf::sec::runtime_error), caf::atom("system"),
    caf::make_message(caf::strong_actor_ptr{})};
  struct bad_case {
    std::string name;
    bool after_handshake;
    std::vector<uint8_t> bytes;
    std::string reason;
  };
  std::vector<bad_case> cases{
    {"a 4 GiB payload in the first header", false,
     frame(op::client_handshake, 0, 0, 0, {}, 0xFFFFFFF0u), "over the limit"},
    {"a message before the handshake", false, test::direct_message(sys, 10),
     "before the handshake"},
    {"a handshake naming the receiving node itself", false,
     test::client_handshake(sys, local), "names this node itself"},
    {"a routed message", true,
     frame(op::routed_message, 0, 1, 2, payload(peer, local)),
     "routed message"},
    {"the server's handshake from a client", false,
     frame(op::server_handshake, 1, 0, 0, payload(peer)), "wrong side"},
    {"a client handshake that is not a node id", false,
     frame(op::client_handshake, 0, 0, 0, payload(std::string(40, 'a'))),
     "not a node id"},
    {"a handshake naming another node later", true,
     frame(op::client_handshake, 0, 0, 0, payload(third), {},
           basp::header::select_connection_flag),
     "another node"},
    {"a handshake with flags CAF does not set", false,
     frame(op::client_handshake, 0, 0, 0, payload(peer), {}, 0x80),
     "flags"},
    {"a message with an unknown flag", true,
     frame(op::direct_message, 0, 7, published,
           content("@<>+@atom", ping_atom::value), {}, 0x04),
     "flags"},
    {"a message to an actor this node never offered", true,
     to(4242, ping_atom::value), "has not offered"},
    {"a named message to ConfigServ", true,
     test::direct_message_of(sys, basp_wire::atom_value("ConfigServ"),
                             caf::make_message(caf::get_atom::value,
                                               std::string{"x"}),
                             basp::header::named_receiver_flag),
     "other than SpawnServ"},
    {"a named message to SpawnServ that is not the info request", true,
     test::direct_message_of(sys, basp_wire::atom_value("SpawnServ"),
                             caf::make_message(caf::spawn_atom::value,
                                               std::string{"x"}),
                             basp::header::named_receiver_flag),
     "named message other than"},
    {"the info request sent by id", true,
     to(published, caf::sys_atom::value, caf::get_atom::value,
        std::string{"info"}),
     "not named to SpawnServ"},
    {"a link message naming an actor handle", true,
     to(published, caf::link_atom::value, caf::strong_actor_ptr{}),
     "which fovea does not send"},
    {"an info reply naming a third node's actor", true,
     frame(op::direct_message, 0, 5, asker, stranger_actor),
     "another node"},
    {"an error reply holding an actor handle", true,
     to(asker, handle_in_error), "holding a @strong_actor_ptr"},
    {"a message to a known actor with a forwarding stack", true,
     test::direct_message_of(sys, published,
                             caf::make_message(ping_atom::value), 0,
                             {caf::strong_actor_ptr{}}),
     "forwarding stack"},
    {"a down message for another node", true,
     frame(op::down_message, 0, 7, 0, payload(peer, third, caf::error{})),
     "another node"},
    {"a down message from another node", true,
     frame(op::down_message, 0, 7, 0, payload(third, local, caf::error{})),
     "another node"},
    {"a monitor message from another node", true,
     frame(op::monitor_message, 0, 0, 9, payload(third, local)),
     "another node"},
    {"an unknown frame type", true, std::vector<uint8_t>(32, 0x16),
     "not a CAF frame"},
    {"a heartbeat with a payload", true, frame(op::heartbeat, 0, 0, 0, {'x'}),
     "malformed"},
    {"a message over the configured limit", true,
     test::direct_message(sys, (1 << 20) + 1), "fovea.max-message-bytes"},
  };
  for (auto& c : cases) {
    SECTION(c.name) {
      basp_guard guard{basp_sender::client, 1 << 20, key(local)};
      if (c.after_handshake)
        guard = accepted();
      CHECK_THAT(feed(guard, c.bytes), Catch::Contains(c.reason));
    }
  }
}

TEST_CASE_METHOD(frames,
                 "the guard of an outgoing connection expects the server's "
                 "handshake once, from another node",
                 "[unit][edge]") {
  auto hello = test::server_handshake(sys, peer);
  basp_guard guard{basp_sender::server, 1 << 20, key(local)};
  auto verdict = guard.feed(hello.data(), hello.size());
  CHECK(verdict.refusal.empty());
  CHECK(verdict.node_named);
  // Only actors this node sent from may be addressed.
  CHECK_THAT(feed(guard, to(asker, uint64_t{1})),
             Catch::Contains("has not offered"));
  basp_guard asking{basp_sender::server, 1 << 20, key(local)};
  REQUIRE(feed(asking, hello).empty());
  auto request = test::direct_message_of(
    sys, 1, caf::make_message(ping_atom::value), 0, {}, asker);
  asking.observe(request.data(), request.size());
  CHECK(feed(asking, to(asker, uint64_t{1})).empty());
  CHECK_THAT(feed(asking, hello), Catch::Contains("one server handshake too"));
  basp_guard other{basp_sender::server, 1 << 20, key(local)};
  CHECK_THAT(feed(other, test::client_handshake(sys, peer)),
             Catch::Contains("wrong side"));
  basp_guard mirror{basp_sender::server, 1 << 20, key(local)};
  CHECK_THAT(feed(mirror, test::server_handshake(sys, local)),
             Catch::Contains("names this node itself"));
}

TEST_CASE_METHOD(frames,
                 "the guard remembers a bounded number of this node's "
                 "actors, forgetting the ones that sent least recently",
                 "[unit][edge]") {
  auto guard = accepted();
  auto sends = [&](caf::actor_id id) {
    auto request = test::direct_message_of(
      sys, 3, caf::make_message(ping_atom::value), 0, {}, id);
    guard.observe(request.data(), request.size());
  };
  // A long-lived actor (a shell's, say) that keeps sending among many
  // short-lived ones.
  for (caf::actor_id id = 100; id < 100 + basp_guard::remembered_actors + 10;
       ++id) {
    sends(id);
    sends(asker);
  }
  CHECK_THAT(feed(guard, to(100, uint64_t{1})),
             Catch::Contains("has not offered"));
  CHECK(feed(guard, to(100 + basp_guard::remembered_actors + 9, uint64_t{1}))
          .empty());
  CHECK(feed(guard, to(asker, uint64_t{1})).empty());
}
