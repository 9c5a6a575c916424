// endpoint: a "host:port" a node listens on or connects to.
#pragma once

#include <cstdint>
#include <string>

#include <caf/expected.hpp>

namespace fovea {

struct endpoint {
  std::string host;
  uint16_t port = 0;
};

/// Parses "host:port" (also "[::1]:port"). Errors say what was expected.
caf::expected<endpoint> parse_endpoint(const std::string& text);

std::string to_string(const endpoint& x);

} // namespace fovea
