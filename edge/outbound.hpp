// outbound: the edge's side towards a remote node. For each connection
// this node's CAF makes (over one end of a socket pair), the edge makes a
// TCP connection to the remote node and, with TLS, a handshake that must
// show a coordinator's certificate signed by the cluster CA, all within the
// handshake timeout; then the bytes are relayed, with the remote side's
// frames checked.
//
// Guarantees: CAF's end is a socket pair's, not a port: no other process
// can use this node's routes or certificate; when a connection fails before
// the remote node spoke CAF, the route's failure says why in words
// (refused, not TLS, certificate refused...), for the message CAF's own
// error cannot give.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "edge/edge_core.hpp"
#include "edge/relay.hpp"

namespace fovea {

/// Starts a connection to `host`:`port` on the edge's network thread;
/// returns CAF's end of it, or nothing and `problem`.
std::optional<int> open_route(edge_core& core, const std::string& host,
                              uint16_t port, std::string& problem);

/// The key routes and their failures go by.
std::string route_key(const std::string& host, uint16_t port);

/// A connected pair of stream sockets (close-on-exec): the edge's end in
/// `mine`, CAF's in `theirs` (the caller owns it); false and `problem` if
/// the system has none to give.
bool make_socket_pair(boost::asio::io_context& io, caf_socket& mine,
                      int& theirs, std::string& problem);

} // namespace fovea
