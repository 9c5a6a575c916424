// edge: what faces the network for a fovea node, in the node's own process.
// CAF listens nowhere: the edge accepts the world's connections and hands
// those that pass to CAF over socket pairs, and carries CAF's outgoing
// connections to other nodes the same way. With a node's TLS credentials it
// speaks mutual TLS against the cluster CA; without, it is a plain relay
// that still enforces every limit.
//
// What it enforces that CAF 0.17 cannot: a handshake timeout, an idle
// timeout, a write-stall timeout, caps on connections (in all, per source
// address, in their handshake, per certificate), a cap on every BASP frame
// (fovea.max-message-bytes, checked from the header before CAF allocates)
// and on what CAF buffers across connections (fovea.max-inflight-bytes),
// and basp_guard's allow-list of frames. No port or path on the machine
// leads to CAF, so no other local user can reach it or ride this node's
// certificate. It knows who is behind each relayed connection
// (peer_directory) and why a route's last connection failed (route_table).
//
// One network thread, started by the constructor and joined by the
// destructor; every public function is safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "edge/edge_core.hpp"
#include "edge/peer_directory.hpp"
#include "edge/route_table.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea {

struct edge_options {
  /// The node's checked TLS files; null for a plain edge.
  std::shared_ptr<const tls_credentials> credentials;
  edge_limits limits;
  /// One line for the node's log (from the edge's thread).
  std::function<void(const std::string&)> say;
};

class edge : public peer_directory, public route_table {
public:
  explicit edge(edge_options options);
  ~edge() override;
  edge(const edge&) = delete;
  edge& operator=(const edge&) = delete;

  /// Connects the edge to this node's CAF, once it runs: before this, no
  /// connection is relayed either way.
  void attach(caf_side caf);

  /// Disconnects it, before the actor system stops: the edge hands CAF
  /// nothing more and dials nothing for it (connections already relayed
  /// close as CAF closes its ends).
  void detach();

  /// Listens on `host`:`port` (port 0: any free one) and hands what passes
  /// to the attached CAF. Returns the port it listens on, or nothing and
  /// `problem`.
  std::optional<uint16_t> listen(const std::string& host, uint16_t port,
                                 std::string& problem);

  bool tls() const noexcept { return core_->credentials != nullptr; }

  /// The name in this node's certificate; "" without TLS.
  std::string name() const {
    return tls() ? core_->credentials->name() : std::string{};
  }

  std::optional<peer_identity> identify(std::string_view node) const override;

  void disconnect(std::string_view node,
                  const std::string& why) const override;

  std::optional<int> dial(const std::string& host, uint16_t port,
                          std::string& problem) override;

  std::string failure(const std::string& host, uint16_t port) const override;

private:
  /// Runs `f` on the network thread and waits for it.
  template <class F>
  auto on_network_thread(F f) -> decltype(f());

  std::unique_ptr<edge_core> core_;
  std::thread thread_;
};

} // namespace fovea
