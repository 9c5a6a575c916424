// node_health: whether a node is alive and ready, as its HTTP endpoint's
// /healthz and /readyz report it.
//
// Guarantees: the node's actors write it (plain atomic stores, no locks)
// and the endpoint's threads read it at any time; a reason for "not ready"
// is always one of a fixed set of lines, never torn.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace fovea {

class node_health {
public:
  enum class phase : uint8_t {
    starting,       ///< loading models, warming up, or not yet listening
    unregistered,   ///< a worker not (or no longer) registered
    no_workers,     ///< a coordinator with no worker registered
    ready,
    stopping,       ///< draining or shutting down
  };

  /// False once every actor of the node has ended.
  bool alive() const noexcept { return alive_.load(); }
  void set_alive(bool alive) noexcept { alive_.store(alive); }

  void set_phase(phase p) noexcept { phase_.store(p); }
  phase current() const noexcept { return phase_.load(); }
  bool ready() const noexcept { return current() == phase::ready; }

  /// One line saying why the node is not ready ("" when it is).
  std::string reason() const;

private:
  std::atomic<bool> alive_{true};
  std::atomic<phase> phase_{phase::starting};
};

} // namespace fovea
