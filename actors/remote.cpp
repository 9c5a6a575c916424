#include "actors/remote.hpp"

namespace fovea {

caf::expected<coordinator_actor>
as_coordinator(caf::actor_system& sys, caf::expected<connect_reply> reply,
               const endpoint& where) {
  if (!reply)
    return make_error(errc::no_coordinator,
                      to_string(where) + ": " + describe(reply.error()));
  auto& [node, handle, interface] = *reply;
  if (!handle)
    return make_error(errc::no_coordinator,
                      to_string(where) + ": nothing is published there");
  if (interface != sys.message_types<coordinator_actor>())
    return make_error(errc::no_coordinator,
                      to_string(where)
                        + ": the actor published there is not a fovea "
                          "coordinator of this version");
  return caf::actor_cast<coordinator_actor>(std::move(handle));
}

} // namespace fovea
