// event_log: a coordinator's recent events (workers joining, draining,
// leaving and lost; batches retried; poison rows; jobs opening, pausing
// and ending), for the status page and `events` requests.
//
// Guarantees:
// - it holds at most `capacity` events, the oldest going first, each text
//   cut to `max_text` bytes: its memory is bounded whatever happens;
// - sequence numbers start at 1 and grow by one per event, never reused:
//   a reader asks for those after the last it saw, and can tell it missed
//   some when the first it gets is more than one past it;
// - `after` is answered in order, oldest first, at most `capacity` events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "messages/cluster_view.hpp"

namespace fovea {

class event_log {
public:
  static constexpr size_t max_text = 512;

  explicit event_log(size_t capacity = 256) : capacity_(capacity) {
  }

  /// Adds an event at `at_ms` (unix milliseconds); returns its number.
  uint64_t add(event_kind kind, std::string text, int64_t at_ms);

  /// The events held whose number is past `seq`, oldest first.
  std::vector<cluster_event> after(uint64_t seq) const;

  /// The last number given, 0 before the first event.
  uint64_t last() const noexcept {
    return next_ - 1;
  }

private:
  size_t capacity_;
  uint64_t next_ = 1;
  std::deque<cluster_event> events_;
};

} // namespace fovea
