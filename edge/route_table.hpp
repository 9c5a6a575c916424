// route_table: how this process's CAF reaches another node through the
// edge. CAF connects to the loopback port a route gives; the edge carries
// the connection on (with TLS when the node has credentials), and, when it
// fails before the other node spoke, says why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fovea {

class route_table {
public:
  virtual ~route_table() = default;

  /// The loopback port that leads to `host`:`port` (the same one each time
  /// for the same target); nothing and `problem` if none can be opened.
  virtual std::optional<uint16_t> route(const std::string& host, uint16_t port,
                                        std::string& problem) = 0;

  /// Why the last connection to `host`:`port` failed before the other node
  /// spoke, or "" if it did not fail (or none was made).
  virtual std::string failure(const std::string& host, uint16_t port) const = 0;
};

} // namespace fovea
