// outbound: the edge's side towards a remote node. A route listens on a
// loopback port for this process's CAF; each connection CAF makes there is
// checked to come from this process's user, then carried to the remote
// node: a TCP connection and, with TLS, a handshake that must show a
// coordinator's certificate signed by the cluster CA, all within the
// handshake timeout; then the bytes are relayed, with the remote side's
// frames checked.
//
// Guarantees: another user's process cannot borrow this node's certificate
// through the route; when a connection fails before the remote node spoke
// CAF, the route's failure says why in words (refused, not TLS, certificate
// refused...), for the message CAF's own error cannot give.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "edge/edge_core.hpp"

namespace fovea {

/// Opens a route to `host`:`port` on the edge's network thread; returns the
/// loopback port CAF connects to, or nothing and `problem`.
std::optional<uint16_t> open_route(edge_core& core, const std::string& host,
                                   uint16_t port, std::string& problem);

/// The key routes and their failures go by.
std::string route_key(const std::string& host, uint16_t port);

} // namespace fovea
