// route_table: how this process's CAF reaches another node through the
// edge. The edge hands CAF one end of a socket pair and carries what CAF
// writes there to the other node (with TLS when the node has credentials);
// when the connection fails before the other node spoke, it says why.
// No port is opened on this machine for it: no other process can reach
// this node's CAF, nor ride its certificate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fovea {

class route_table {
public:
  virtual ~route_table() = default;

  /// A connected socket (the caller owns it) whose other end the edge
  /// carries to `host`:`port`; nothing and `problem` if none can be made.
  virtual std::optional<int> dial(const std::string& host, uint16_t port,
                                  std::string& problem) = 0;

  /// Why the last connection to `host`:`port` failed before the other node
  /// spoke, or "" if it did not fail (or none was made).
  virtual std::string failure(const std::string& host, uint16_t port) const = 0;
};

} // namespace fovea
