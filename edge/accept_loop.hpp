// keep_accepting: the accept loop both sides of an edge listen with.
//
// Guarantees: every accepted connection is handed to `take` on the edge's
// network thread; an accept error (out of file descriptors, say) pauses
// the loop for 100 ms instead of retrying at once, which would spin a core
// for as long as the error lasts; the loop ends when the io_context stops.
#pragma once

#include <functional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "edge/edge_core.hpp"

namespace fovea {

void keep_accepting(edge_core& core, boost::asio::ip::tcp::acceptor acceptor,
                    std::string label,
                    std::function<void(boost::asio::ip::tcp::socket)> take);

} // namespace fovea
