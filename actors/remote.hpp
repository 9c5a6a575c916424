// Reaching a coordinator over the network from inside an actor.
//
// CAF's blocking remote_actor() can hang forever on a peer that accepts the
// connection and then says nothing (CAF #1240), and it blocks a thread the
// actor system needs. These helpers ask the middleman instead, with a
// timeout, so a flow can co_await the connection like any request. CAF
// connects through the node's edge (a loopback route per coordinator), which
// knows, when a connection fails, why in words.
#pragma once

#include <set>
#include <string>
#include <tuple>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/node_id.hpp>

#include "actors/coroutine.hpp"
#include "actors/endpoint.hpp"
#include "edge/route_table.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

namespace fovea {

using connect_reply
  = std::tuple<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>;

/// An awaitable connection attempt to the actor published at `where`.
template <class Self>
auto ask_connect(Self* self, const endpoint& where, caf::timespan timeout) {
  auto middleman = self->system().middleman().actor_handle();
  return ask<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>(
    self, middleman, timeout, caf::connect_atom::value, where.host,
    where.port);
}

/// Where CAF connects to reach the coordinator at `where`: the loopback port
/// of the edge's route to it, or (without routes) `where` itself.
caf::expected<endpoint> caf_target(const endpoint& where, route_table* routes);

/// Checks that what answered at `where` is a fovea coordinator of this
/// protocol version (it publishes exactly this coordinator interface) and
/// returns its handle. Errors say why in words: the route's failure, or the
/// other version.
caf::expected<coordinator_actor>
as_coordinator(caf::actor_system& sys, caf::expected<connect_reply> reply,
               const endpoint& where, const route_table* routes);

/// True for refusals that trying again cannot change (another protocol
/// version, a role that may not do this): a node stops at once instead of
/// retrying. ("Already registered" is not one: a restarted worker's old
/// registration goes once its coordinator notices the old one gone.)
bool final_refusal(const caf::error& err);

/// The protocol version a published interface names ("protocolN"), or 0.
uint32_t protocol_of(const std::set<std::string>& interface);

} // namespace fovea
