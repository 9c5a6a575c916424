// resumed_references: the journaled rows of a resumed job's referenced
// inputs, which are used again only once a worker finds their object
// unchanged since the row was read.
//
// A row read from an object that may have changed is not a result yet:
// the job's replay keeps where each such row lies in the journal rather
// than recording it, and when its input arrives again the task names the
// version the row was read from (image_task::known_version). A worker that
// finds the object still at that version answers `unchanged` and this
// row is recorded; otherwise it reads and classifies the object anew.
//
// Guarantees:
//   - Memory is 16 bytes per journaled reference row (where it lies), plus
//     one whole row per task out for checking (held), which its task's
//     charge pays for: rows are read back from the journal one at a time,
//     never all held.
//   - The newest journaled row of an input is the one checked: a resume of
//     a resumed job finds the row its last run recorded.
//   - A row whose object the worker did not read (unknown_source_version)
//     is never taken as unchanged: its input is read again.
//   - A held row is handed out once (take), or dropped once its input has
//     another row (release).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jobs/job_journal.hpp"
#include "messages/image_task.hpp"
#include "messages/prediction.hpp"

namespace fovea {

class resumed_references {
public:
  /// Reads rows back from `journal` (a reader of the journal they lie in).
  explicit resumed_references(journal_reader journal);

  /// During the replay: the row of input `index` starts at `offset`.
  void note(uint64_t index, uint64_t offset);

  /// After the replay: ready for lookups.
  void seal();

  /// Rows noted (inputs whose row waits for a check).
  size_t size() const noexcept { return where_.size(); }

  /// For an arriving task: if its input has a journaled row of a known
  /// version, names that version in the task and holds the row until its
  /// answer; returns the bytes held (0 if none).
  uint64_t prepare(image_task& task);

  /// The held row of input `index`, handed out once.
  std::optional<prediction> take(uint64_t index);

  /// Drops the held row of input `index`, if any.
  void release(uint64_t index) { held_.erase(index); }

  /// Rows held now.
  size_t held() const noexcept { return held_.size(); }

  /// Rows handed out by take(): found unchanged and used again.
  uint64_t reused() const noexcept { return reused_; }

private:
  journal_reader journal_;
  /// (input, where its newest row starts), sorted by input once sealed.
  std::vector<std::pair<uint64_t, uint64_t>> where_;
  std::unordered_map<uint64_t, prediction> held_;
  uint64_t reused_ = 0;
};

} // namespace fovea
