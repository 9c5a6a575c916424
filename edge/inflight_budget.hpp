// inflight_budget: how many bytes of BASP frames the edge lets CAF buffer
// across all of a node's connections (fovea.max-inflight-bytes).
//
// CAF 0.17 reads each frame whole into its connection's buffer before it
// acts on it, and that buffer never shrinks: a connection that once carried
// a 70 MB frame keeps 70 MB in CAF until it closes. Decoding the frame then
// makes the message, a second copy, which lives until its receiver is done
// with it. So a connection is charged twice the largest frame it has
// carried beyond `free_frame` bytes, for as long as it is open, and may
// carry a larger one only once the budget has room for the difference;
// until then it waits, in order of asking.
//
// Guarantees: the charges held never add up past `limit`; a holder that
// gives its charge back lets the oldest waiters on, in order; a wait is
// never lost. Not thread-safe: the edge uses it from its one network thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>

namespace fovea {

class inflight_budget {
public:
  /// Frames up to this many bytes are free: every connection may buffer
  /// that much in CAF (the edge's connection caps bound how many do).
  static constexpr size_t free_frame = 64 * 1024;

  explicit inflight_budget(size_t limit) : limit_(limit) {}

  /// What a frame of `payload` bytes costs while its connection lasts.
  static constexpr size_t charge_of(size_t payload) {
    return payload > free_frame ? 2 * payload : 0;
  }

  /// Raises a connection's charge (`held`) so that it covers a frame of
  /// `payload` bytes; false, and `held` unchanged, if the budget has no
  /// room now or others wait before it.
  bool raise(size_t& held, size_t payload);

  /// Gives a connection's whole charge back (it closed).
  void release(size_t& held);

  /// Calls `try_again` once the budget may have room; it returns false to
  /// keep its place at the front of the line.
  void wait(std::function<bool()> try_again);

  size_t used() const noexcept { return used_; }
  size_t limit() const noexcept { return limit_; }
  size_t waiting() const noexcept { return waiters_.size(); }

private:
  void wake();

  size_t limit_;
  size_t used_ = 0;
  std::deque<std::function<bool()>> waiters_;
  bool waking_ = false;
};

} // namespace fovea
