// Reaching a coordinator over the network from inside an actor.
//
// CAF's blocking remote_actor() can hang forever on a peer that accepts the
// connection and then says nothing (CAF #1240), and it blocks a thread the
// actor system needs. These helpers ask the middleman instead, with a
// timeout, so a flow can co_await the connection like any request.
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

/// An awaitable question to the middleman: the address and port that the
/// connection to `node` comes from, as this side sees it.
template <class Self>
auto ask_peer_address(Self* self, const caf::node_id& node,
                      caf::timespan timeout) {
  auto middleman = self->system().middleman().actor_handle();
  return ask<caf::node_id, std::string, uint16_t>(
    self, middleman, timeout, caf::get_atom::value, node);
}

/// Checks that what answered at `where` is a fovea coordinator (it publishes
/// the coordinator interface) and returns its handle.
caf::expected<coordinator_actor>
as_coordinator(caf::actor_system& sys, caf::expected<connect_reply> reply,
               const endpoint& where);

} // namespace fovea
