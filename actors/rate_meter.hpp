// rate_meter: results per second over the last few seconds, for the
// operator's view of a worker (fovea shell `nodes`). Cheap to update on
// every batch; an idle worker reads as 0 rather than its last busy rate.
#pragma once

#include <chrono>
#include <cstdint>

namespace fovea {

/// Seconds since the epoch, for "up since" columns.
inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

class rate_meter {
public:
  using clock = std::chrono::steady_clock;

  void add(uint64_t count, clock::time_point now = clock::now()) {
    roll(now);
    current_ += count;
  }

  /// Results per second in the last full window (of 5 s), or 0 when idle.
  double per_second(clock::time_point now = clock::now()) {
    roll(now);
    return last_rate_;
  }

private:
  static constexpr auto window = std::chrono::seconds(5);

  void roll(clock::time_point now) {
    if (now - start_ < window)
      return;
    auto seconds = std::chrono::duration<double>(now - start_).count();
    // A gap of more than one window means nothing came in the last one.
    last_rate_ = now - start_ < 2 * window ? current_ / seconds : 0.0;
    current_ = 0;
    start_ = now;
  }

  clock::time_point start_ = clock::now();
  uint64_t current_ = 0;
  double last_rate_ = 0;
};

} // namespace fovea
