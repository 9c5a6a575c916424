// loopback_owner: which user owns the other end of a loopback TCP
// connection, from the kernel's socket table (/proc/net/tcp, tcp6).
//
// An edge's outgoing routes listen on loopback for this process's CAF to
// connect to; a connection from another user's process must not ride this
// node's certificate, so each one is checked here before it is relayed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace fovea {

/// The uid owning the TCP socket whose local end is `client_port` and whose
/// remote end is `server_port`, both on loopback; nothing if not found.
std::optional<uid_t> loopback_owner(uint16_t client_port, uint16_t server_port);

} // namespace fovea
