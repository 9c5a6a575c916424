#include "jobs/resumed_references.hpp"

#include <algorithm>

namespace fovea {

resumed_references::resumed_references(journal_reader journal)
    : journal_(std::move(journal)) {
}

void resumed_references::note(uint64_t index, uint64_t offset) {
  where_.emplace_back(index, offset);
}

void resumed_references::seal() {
  // Stable, so that of one input's rows the one noted last (journaled
  // last) ends last; keep that one.
  std::stable_sort(where_.begin(), where_.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  auto last = std::unique(where_.rbegin(), where_.rend(), [](auto& a, auto& b) {
    return a.first == b.first;
  });
  where_.erase(where_.begin(), last.base());
  where_.shrink_to_fit();
}

uint64_t resumed_references::prepare(image_task& task) {
  auto found = std::lower_bound(
      where_.begin(), where_.end(), task.index,
      [](auto& entry, uint64_t index) { return entry.first < index; });
  if (found == where_.end() || found->first != task.index)
    return 0;
  prediction row;
  if (!journal_.row_at(found->second, row) || row.index != task.index ||
      row.source_version.empty() ||
      row.source_version == unknown_source_version)
    return 0; // read again
  task.known_version = row.source_version;
  uint64_t bytes = 64 + row.path.size() + row.class_name.size() +
                   row.worker.size() + row.error.size() + row.model.size() +
                   row.source_version.size() +
                   row.top_labels.size() * sizeof(int32_t) +
                   row.top_scores.size() * sizeof(float);
  held_.insert_or_assign(task.index, std::move(row));
  return bytes;
}

std::optional<prediction> resumed_references::take(uint64_t index) {
  auto found = held_.find(index);
  if (found == held_.end())
    return std::nullopt;
  auto row = std::move(found->second);
  held_.erase(found);
  ++reused_;
  return row;
}

} // namespace fovea
