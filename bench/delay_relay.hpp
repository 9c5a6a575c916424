// delay_relay: a TCP relay on loopback that stands in for a network path
// with latency, since this kernel has no netem. Every chunk read from one
// side is written to the other `delay` after it was read, in order, in
// both directions; the bytes a direction holds are bounded (reading stops
// past `max_held_bytes`, as a real path's window would). Everything runs
// on the relay's own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace fovea::bench {

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

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace fovea::bench
