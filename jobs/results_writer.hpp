// results_writer: the results CSV, one row per input, each input exactly once.
//
// The format is jobs/results_file.hpp's: path,label,class,score,worker,
// error,model, and top_k for a job that ranks classes ("label:score"
// pairs, best first, separated by spaces). Rows are written as they
// arrive (memory does not grow with the job) into "<out>.partial"; commit()
// renames it to <out> only when every input has its row, so a file named
// <out> is always complete. A second row for the same input is refused.
//
// In input order (`--order input`) each partial row is led by its input
// index, and commit() writes <out> from it in that order through
// row_order's external merge, then removes the partial file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "messages/prediction.hpp"

namespace fovea {

class results_writer {
public:
  /// Opens "<out>.partial" for a job of `total` inputs.
  static caf::expected<results_writer> open(std::string out, uint64_t total,
                                            uint32_t top_k = 0,
                                            bool input_order = false);

  results_writer(results_writer&&) noexcept;
  results_writer& operator=(results_writer&&) = delete;
  ~results_writer();

  /// Writes the row for `row.index`; false (and nothing written) if that
  /// input already has its row or the index is outside the job.
  bool write(const prediction& row);

  uint64_t written() const noexcept { return written_; }
  uint64_t errors() const noexcept { return errors_; }
  uint64_t total() const noexcept { return seen_.size(); }
  bool complete() const noexcept { return written_ == seen_.size(); }

  /// An error naming the file once a write failed (a full disk, say): the
  /// job should stop then rather than compute rows it cannot keep.
  caf::error failure() const;

  /// Closes and removes "<out>.partial": for a job stopped before its rows
  /// meant anything (`fovea classify` whose model failed to load).
  void discard();

  /// Flushes, syncs and renames the file into place; an error if rows are
  /// missing or the disk refused the data.
  caf::error commit();

private:
  results_writer(std::string out, std::FILE* file, uint64_t total);

  std::string out_;
  std::FILE* file_;
  std::vector<bool> seen_;
  uint64_t written_ = 0;
  uint64_t errors_ = 0;
  int write_errno_ = 0; ///< why a write to the disk failed; commit() refuses
  bool ranked_ = false; ///< the job ranks classes: a top_k column
  bool input_order_ = false; ///< rows carry their index until commit()
};

} // namespace fovea
