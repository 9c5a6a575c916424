// peer_directory: who is behind a node's connection, for the actors that
// decide what a peer may do. A node is named by its CAF node id as CAF
// serializes it (32 bytes), which is how the edge sees it pass.
#pragma once

#include <optional>
#include <string>
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

  /// Closes the connection that speaks for `node`, if there is one (a
  /// worker let go as hung: its late answers should not even arrive).
  virtual void disconnect(std::string_view node,
                          const std::string& why) const {
    (void) node;
    (void) why;
  }
};

/// For a node with no edge at all (fovea.edge = false, loopback only, for
/// measurements): every node counts as if it came through a plain edge.
class unguarded_directory : public peer_directory {
public:
  std::optional<peer_identity> identify(std::string_view) const override {
    return peer_identity{};
  }
};

} // namespace fovea
