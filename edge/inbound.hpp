// inbound: the edge's public side. Accepts connections from the network,
// admits them under the connection caps, completes the TLS handshake (or,
// without TLS, waits for the first bytes) within the handshake timeout,
// and only then hands this node's CAF one end of a socket pair and relays
// between the network and the other end.
//
// Guarantees: a peer that is over a cap (connections in all, per address
// or IPv6 /64, in their handshake, per certificate), slow to handshake,
// presents no certificate or one not signed by the cluster CA (or
// revoked), or holds a coordinator's or a monitor's certificate, never
// reaches CAF; each relayed connection's identity (certificate name and
// role, real address) is known to the edge's directory under the node its
// handshake names, for as long as it is open, and no two connections may
// name the same node, nor any this node's own.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "edge/edge_core.hpp"

namespace fovea {

/// Starts accepting on `acceptor` (open and listening), handing what passes
/// to the CAF the edge is attached to, until the io_context stops.
void start_inbound(edge_core& core, boost::asio::ip::tcp::acceptor acceptor);

} // namespace fovea
