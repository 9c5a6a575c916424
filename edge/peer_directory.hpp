// peer_directory: who is behind a node's connection, for the actors that
// decide what a peer may do. A node is named by its CAF node id as CAF
// serializes it (32 bytes), which is how the edge sees it pass.
#pragma once

#include <optional>
#include <string_view>

#include "edge/peer_identity.hpp"

namespace fovea {

class peer_directory {
public:
  virtual ~peer_directory() = default;

  /// The identity of the connection that speaks for `node`, while it is
  /// open; nothing for a node that did not come through the edge.
  virtual std::optional<peer_identity>
  identify(std::string_view node) const = 0;
};

} // namespace fovea
