// inbound: the edge's public side. Accepts connections from the network,
// admits them under the connection caps, completes the TLS handshake (or,
// without TLS, waits for the first bytes) within the handshake timeout,
// and only then opens a connection to the node's CAF port on loopback and
// relays between the two.
//
// Guarantees: a peer that is over a cap, slow to handshake, presents no
// certificate or one not signed by the cluster CA (or revoked), or holds a
// coordinator certificate, never reaches CAF; each relayed connection's
// identity (certificate name and role, real address) is known to the
// edge's directory under the node its handshake names, for as long as it
// is open, and no two connections may name the same node.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "edge/edge_core.hpp"

namespace fovea {

/// Starts accepting on `acceptor` (open and listening), relaying to
/// 127.0.0.1:`caf_port`, until the io_context stops.
void start_inbound(edge_core& core, boost::asio::ip::tcp::acceptor acceptor,
                   uint16_t caf_port);

} // namespace fovea
