#include "actors/access.hpp"

#include <caf/actor_proxy.hpp>
#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>

#include "messages/errors.hpp"

namespace fovea {

std::string node_key(caf::actor_system& sys, const caf::node_id& node) {
  std::vector<char> bytes;
  caf::binary_serializer sink{sys, bytes};
  if (sink(node))
    return {};
  return {bytes.begin(), bytes.end()};
}

request_sender identify_sender(caf::actor_system& sys,
                               const caf::strong_actor_ptr& sender,
                               const peer_directory* peers) {
  request_sender who;
  auto node = sender ? sender->node() : caf::node_id{};
  if (sender && node == sys.node()
      && dynamic_cast<caf::actor_proxy*>(sender->get()) == nullptr) {
    who.local = true;
    who.principal = "local";
    return who;
  }
  if (peers)
    who.peer = peers->identify(node_key(sys, node));
  // Per-client limits count certificates; without one, connections.
  who.principal = !who.peer                 ? caf::to_string(node)
                  : !who.peer->name.empty() ? who.peer->name
                                            : who.peer->address;
  return who;
}

caf::error check_access(const request_sender& who, request_kind kind) {
  if (who.local)
    return caf::none;
  if (kind == request_kind::infer)
    return make_error(errc::not_permitted,
                      "inference requests come from the coordinator's own "
                      "gateway (fovea.oip-http), not from other nodes");
  if (!who.peer)
    return make_error(errc::not_permitted,
                      "the request did not come through this coordinator's "
                      "edge");
  auto role = who.peer->role;
  if (role == peer_role::unauthenticated) // a plain edge: the operator's call
    return caf::none;
  auto refuse = [&](const char* what, const char* needs) {
    return make_error(errc::not_permitted, "certificate " + who.peer->name +
                                               " has role " + to_string(role) +
                                               "; " + what + " needs " + needs);
  };
  switch (kind) {
  case request_kind::register_worker:
    return role == peer_role::worker
               ? caf::error{}
               : refuse("registering as a worker", "role worker");
  case request_kind::submit:
    return role == peer_role::client || role == peer_role::operator_
               ? caf::error{}
               : refuse("submitting a job", "role client or operator");
  case request_kind::cancel:
    return role == peer_role::operator_
               ? caf::error{}
               : refuse("cancelling a job", "role operator");
  case request_kind::drain:
    return role == peer_role::operator_
               ? caf::error{}
               : refuse("draining a worker", "role operator");
  case request_kind::observe:
    return caf::none;
  case request_kind::infer: // refused above
    break;
  }
  return make_error(errc::not_permitted, "an unknown kind of request");
}

} // namespace fovea
