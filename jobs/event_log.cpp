#include "jobs/event_log.hpp"


namespace fovea {

uint64_t event_log::add(event_kind kind, std::string text, int64_t at_ms) {
  if (text.size() > max_text)
    text.resize(max_text);
  auto seq = next_++;
  events_.push_back(cluster_event{seq, at_ms, kind, std::move(text)});
  while (events_.size() > capacity_)
    events_.pop_front();
  return seq;
}

std::vector<cluster_event> event_log::after(uint64_t seq) const {
  // Numbers are consecutive from the oldest held: the first one past
  // `seq` is found by arithmetic, not by a scan.
  std::vector<cluster_event> out;
  if (events_.empty() || seq >= events_.back().seq)
    return out;
  auto first = events_.front().seq;
  auto skip = seq < first ? 0 : static_cast<size_t>(seq - first + 1);
  out.assign(events_.begin() + static_cast<std::ptrdiff_t>(skip),
             events_.end());
  return out;
}

} // namespace fovea
