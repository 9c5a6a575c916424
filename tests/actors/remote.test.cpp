// Joining a coordinator: what a node says when the thing at the address is
// not a coordinator of its own protocol version.
#include <catch2/catch.hpp>

#include "actors/remote.hpp"
#include "messages/protocol.hpp"
#include "tests/support/actor_fixture.hpp"

using namespace fovea;

TEST_CASE_METHOD(test::actor_fixture,
                 "a coordinator of another protocol version is refused with "
                 "both versions named",
                 "[unit]") {
  // Any actor will do for the handle: what is checked is the interface.
  auto handle = caf::actor_cast<caf::strong_actor_ptr>(self);
  endpoint where{"10.0.0.5", 4242};
  auto ours = sys.message_types<coordinator_actor>();
  CHECK(protocol_of(ours) == protocol_version);
  auto reply = [&](std::set<std::string> interface) {
    return caf::expected<connect_reply>{
        connect_reply{sys.node(), handle, std::move(interface)}};
  };
  CHECK(as_coordinator(sys, reply(ours), where, nullptr));
  auto next = std::to_string(protocol_version + 1);
  std::set<std::string> newer{"caf::replies_to<protocol" + next
                                + ">::with<@u32>",
                              "caf::replies_to<ping>::with<@str>"};
  CHECK(describe(as_coordinator(sys, reply(newer), where, nullptr).error()) ==
        "wrong version: the coordinator at 10.0.0.5:4242 speaks fovea "
        "protocol " + next + ", this node " +
            std::to_string(protocol_version) +
            " (run the same fovea version on every node)");
  std::set<std::string> stranger{"caf::replies_to<ping>::with<@str>"};
  CHECK_THAT(
      describe(as_coordinator(sys, reply(stranger), where, nullptr).error()),
      Catch::Contains("is not a fovea coordinator of protocol"));
}
