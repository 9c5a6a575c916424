#include "actors/remote.hpp"

#include <cstdlib>
#include <unistd.h>

#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/send.hpp>

#include "actors/access.hpp"
#include "messages/protocol.hpp"

namespace fovea {

namespace {

// The port a connection handed over by the edge is offered on, as CAF
// keys its published actors: any one number, the same for every
// connection (no port of the machine is behind it).
constexpr uint16_t edge_offer_port = 1;

} // namespace

caf::actor basp_broker_of(caf::actor_system& sys) {
  return sys.middleman().named_broker<caf::io::basp_broker>(
    caf::atom("BASP"));
}

caf::expected<caf::io::scribe_ptr>
open_connection(caf::actor_system& sys, const endpoint& where,
                route_table* routes) {
  auto& backend = sys.middleman().backend();
  if (!routes) {
    auto connection = backend.new_tcp_scribe(where.host, where.port);
    if (!connection)
      return make_error(errc::no_coordinator,
                        to_string(where) + ": " + sys.render(connection.error()));
    return connection;
  }
  std::string problem;
  auto fd = routes->dial(where.host, where.port, problem);
  if (!fd)
    return make_error(errc::no_coordinator, to_string(where) + ": " + problem);
  return backend.new_scribe(*fd);
}

edge_attachment::edge_attachment(caf::actor_system& sys, edge* front,
                                 caf::strong_actor_ptr offered,
                                 std::set<std::string> interface)
    : front_(front) {
  if (!front_)
    return;
  caf_side side;
  side.node = node_key(sys, sys.node());
  if (offered)
    side.accept = [&sys, offered = std::move(offered),
                   interface = std::move(interface)](int fd,
                                                     std::string& problem) {
      return offer_on_socket(sys, fd, offered, interface, problem);
    };
  front_->attach(std::move(side));
}

edge_attachment::~edge_attachment() {
  if (front_)
    front_->detach();
}

bool offer_on_socket(caf::actor_system& sys, int fd,
                     const caf::strong_actor_ptr& published,
                     const std::set<std::string>& interface,
                     std::string& problem) {
  if (!published) {
    ::close(fd);
    problem = "this node offers no actor";
    return false;
  }
  auto connection = sys.middleman().backend().new_scribe(fd);
  caf::anon_send(basp_broker_of(sys), caf::publish_atom::value,
                 std::move(connection), edge_offer_port, published,
                 interface);
  return true;
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
