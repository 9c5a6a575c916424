// row_order: puts a results file's rows in the order of the job's inputs,
// with memory bounded whatever the job's size.
//
// A job run with `--order input` writes its rows to "<out>.partial" as they
// arrive, each led by its input index ("index,path,label,..."), so that a
// late retry costs nothing while the job runs. At commit, order_rows sorts
// that file by an external merge: it reads slices of at most
// `memory_budget` bytes, sorts each in memory, writes each slice to a run
// file beside the output, and merges the runs (at most `max_fan_in` open at
// once, in passes) into `to`, without the index column. A file that fits
// in one slice goes straight to `to`. Disk use peaks near twice the partial
// file; run files are removed on success and on failure.
#pragma once

#include <cstddef>
#include <string>

#include <caf/error.hpp>

namespace fovea {

struct row_order_limits {
  size_t memory_budget = size_t{32} << 20; ///< bytes of rows held at once
  size_t max_fan_in = 64;                  ///< run files merged at once
};

/// Writes `from`'s rows (a header then "index,..." records, in any order)
/// to `to` in increasing index, each without its index field, and syncs
/// `to`. A storage_failed error names the file that could not be read or
/// written, or the record that has no index.
caf::error order_rows(const std::string& from, const std::string& to,
                      row_order_limits limits = {});

} // namespace fovea
