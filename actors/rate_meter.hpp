// rate_meter: results per second over the last 5 seconds, for the
// operator's view of a worker (fovea shell `nodes`, the status page). Cheap
// to update on every batch; an idle worker reads as 0 rather than its last
// busy rate.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace fovea {

/// Seconds since the epoch, for "up since" columns.
inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Guarantees: per_second() is what came in over the last 5 s (in
/// quarter-second steps) divided by 5 s: a worker's rate shows within a
/// quarter second of its first results, reaches its true rate after 5 s of
/// steady work, and falls to 0 within 5 s of its last. Memory is fixed.
class rate_meter {
public:
  using clock = std::chrono::steady_clock;

  void add(uint64_t count, clock::time_point now = clock::now()) {
    roll(now);
    counts_[static_cast<size_t>(step_ % steps)] += count;
  }

  /// Results per second over the last 5 s.
  double per_second(clock::time_point now = clock::now()) {
    roll(now);
    uint64_t sum = 0;
    for (auto c : counts_)
      sum += c;
    return static_cast<double>(sum)
           / std::chrono::duration<double>(window).count();
  }

private:
  static constexpr auto step = std::chrono::milliseconds(250);
  static constexpr auto window = std::chrono::seconds(5);
  static constexpr int64_t steps = window / step;

  // Moves to the step `now` falls in, emptying the steps passed over.
  void roll(clock::time_point now) {
    auto at = (now - origin_) / step;
    if (at <= step_)
      return;
    for (auto s = std::max(step_ + 1, at - steps + 1); s <= at; ++s)
      counts_[static_cast<size_t>(s % steps)] = 0;
    step_ = at;
  }

  clock::time_point origin_ = clock::now();
  int64_t step_ = 0; ///< the step counts_ was last written in
  std::array<uint64_t, static_cast<size_t>(steps)> counts_{};
};

} // namespace fovea
