#include "actors/remote.hpp"

#include <cstdlib>

#include "messages/protocol.hpp"

namespace fovea {

caf::expected<endpoint> caf_target(const endpoint& where,
                                   route_table* routes) {
  if (!routes)
    return where;
  std::string problem;
  auto port = routes->route(where.host, where.port, problem);
  if (!port)
    return make_error(errc::no_coordinator, to_string(where) + ": " + problem);
  return endpoint{"127.0.0.1", *port};
}

bool final_refusal(const caf::error& err) {
  if (err.category() != error_category)
    return false;
  auto code = static_cast<errc>(err.code());
  return code == errc::wrong_version || code == errc::not_permitted;
}

uint32_t protocol_of(const std::set<std::string>& interface) {
  const std::string marker = "replies_to<protocol";
  for (auto& signature : interface) {
    auto at = signature.find(marker);
    if (at != std::string::npos)
      return static_cast<uint32_t>(
        std::strtoul(signature.c_str() + at + marker.size(), nullptr, 10));
  }
  return 0;
}

caf::expected<coordinator_actor>
as_coordinator(caf::actor_system& sys, caf::expected<connect_reply> reply,
               const endpoint& where, const route_table* routes) {
  if (!reply) {
    // The edge saw the connection fail before CAF could say anything but
    // "disconnected": its reason is the one worth reading.
    auto why = routes ? routes->failure(where.host, where.port) : "";
    return make_error(errc::no_coordinator,
                      to_string(where) + ": "
                        + (why.empty() ? describe(reply.error()) : why));
  }
  auto& [node, handle, interface] = *reply;
  if (!handle)
    return make_error(errc::no_coordinator,
                      to_string(where) + ": nothing is published there");
  if (interface != sys.message_types<coordinator_actor>()) {
    auto theirs = protocol_of(interface);
    if (theirs != 0 && theirs != protocol_version)
      return make_error(errc::wrong_version,
                        "the coordinator at " + to_string(where)
                          + " speaks fovea protocol " + std::to_string(theirs)
                          + ", this node " + std::to_string(protocol_version)
                          + " (run the same fovea version on every node)");
    return make_error(errc::no_coordinator,
                      to_string(where)
                        + ": the actor published there is not a fovea "
                          "coordinator of protocol "
                        + std::to_string(protocol_version));
  }
  return caf::actor_cast<coordinator_actor>(std::move(handle));
}

} // namespace fovea
