// Reaching a coordinator over the network from inside an actor, and
// letting the edge hand this node's CAF the connections it accepts.
//
// CAF's blocking remote_actor() can hang forever on a peer that accepts the
// connection and then says nothing (CAF #1240), and it blocks a thread the
// actor system needs. These helpers ask CAF's BASP broker instead, with a
// timeout, so a flow can co_await the connection like any request. With an
// edge, CAF connects over a socket pair whose other end the edge carries to
// the coordinator (and knows, when a connection fails, why in words);
// without one (fovea.edge = false, loopback only), over a TCP connection
// of its own.
#pragma once

#include <set>
#include <string>
#include <tuple>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/io/scribe.hpp>
#include <caf/node_id.hpp>

#include "actors/coroutine.hpp"
#include "actors/endpoint.hpp"
#include "edge/edge.hpp"
#include "edge/route_table.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

namespace fovea {

using connect_reply
  = std::tuple<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>;

/// A connection for CAF to the node at `where`: over the edge's route to it,
/// or (without routes) a TCP connection of CAF's own.
caf::expected<caf::io::scribe_ptr>
open_connection(caf::actor_system& sys, const endpoint& where,
                route_table* routes);

/// This process's BASP broker: the actor that speaks CAF's wire protocol.
caf::actor basp_broker_of(caf::actor_system& sys);

/// Awaits CAF's handshake over a new connection: the node and the actor it
/// offers there, or why not.
template <class Self>
class connect_awaiter {
public:
  using request = request_awaiter<
    Self, caf::actor,
    std::tuple<caf::connect_atom, caf::io::scribe_ptr, uint16_t>,
    caf::node_id, caf::strong_actor_ptr, std::set<std::string>>;

  connect_awaiter(Self* self, caf::expected<caf::io::scribe_ptr> connection,
                  uint16_t port, caf::timespan timeout) {
    if (!connection) {
      failed_ = std::move(connection.error());
      return;
    }
    request_.emplace(self, basp_broker_of(self->system()),
                     caf::duration{timeout},
                     std::make_tuple(caf::connect_atom::value,
                                     std::move(*connection), port));
  }

  bool await_ready() const noexcept { return !request_; }

  void await_suspend(std::coroutine_handle<> flow) {
    request_->await_suspend(flow);
  }

  caf::expected<connect_reply> await_resume() {
    if (!request_)
      return std::move(failed_);
    return request_->await_resume();
  }

private:
  std::optional<request> request_;
  caf::error failed_;
};

/// An awaitable connection attempt to the actor published at `where`,
/// through the edge's `routes` if there are some.
template <class Self>
connect_awaiter<Self> ask_connect(Self* self, const endpoint& where,
                                  route_table* routes, caf::timespan timeout) {
  return {self, open_connection(self->system(), where, routes), where.port,
          timeout};
}

/// While it lives, the process's edge (if any) is attached to its running
/// actor system: the edge knows this node's id (no peer may claim it), and,
/// when `offered` is set (a coordinator), hands CAF each connection it
/// accepts with `offered` on it. Destroying it detaches the edge, which
/// then calls into CAF no more: declare it after the actor system, so that
/// it goes first.
class edge_attachment {
public:
  edge_attachment(caf::actor_system& sys, edge* front,
                  caf::strong_actor_ptr offered = nullptr,
                  std::set<std::string> interface = {});
  ~edge_attachment();
  edge_attachment(const edge_attachment&) = delete;
  edge_attachment& operator=(const edge_attachment&) = delete;

private:
  edge* front_;
};

/// Hands `fd` (one end of a connected socket pair; taken either way) to
/// CAF as a new connection from the network on which `published` is offered
/// with `interface`, as CAF's own publish does for a connection accepted on
/// its port; false and `problem` if CAF cannot take it.
bool offer_on_socket(caf::actor_system& sys, int fd,
                     const caf::strong_actor_ptr& published,
                     const std::set<std::string>& interface,
                     std::string& problem);

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
