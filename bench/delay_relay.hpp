// delay_relay: a TCP relay on loopback that stands in for a network path
// with latency, since this kernel has no netem. Every chunk read from one
// side is written to the other `delay` after it was read, in order, in
// both directions; the bytes a direction holds are bounded (reading stops
// past `max_held_bytes`, as a real path's window would).
//
// Tests also use it to pause a direction (`hold`), so that they can count
// what one side sends before it hears anything back: events, not timing.
// Everything runs on the relay's own thread; the counters are atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace fovea::bench {

/// Which way bytes go: from the side that connected to the relay
/// ("downstream", a client or worker) to the target, or back.
enum class relay_direction { to_target, from_target };

class delay_relay {
public:
  /// Listens on 127.0.0.1:`port` (0: any free port) and relays each
  /// connection to `target_host`:`target_port`.
  delay_relay(std::string target_host, uint16_t target_port,
              std::chrono::microseconds delay, uint16_t port = 0,
              size_t max_held_bytes = 16u << 20);
  ~delay_relay();
  delay_relay(const delay_relay&) = delete;
  delay_relay& operator=(const delay_relay&) = delete;

  uint16_t port() const noexcept;

  /// Pauses (true) or resumes one direction on every connection, present
  /// and future; held bytes are kept and go out, in order, on resume.
  void hold(relay_direction direction, bool held);

  /// Bytes relayed so far in one direction (written to the other side).
  uint64_t bytes_relayed(relay_direction direction) const noexcept;

  /// Bytes read and not yet written in one direction.
  uint64_t bytes_held(relay_direction direction) const noexcept;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace fovea::bench
