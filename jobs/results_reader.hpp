// results_reader: what a committed results file holds, read back from the
// disk (not from what the writer remembers): rows, error rows, and rows per
// worker and per model. For checks such as `fovea run`'s `expect rows N`.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/expected.hpp>

namespace fovea {

struct results_counts {
  uint64_t rows = 0;
  uint64_t errors = 0;
  std::map<std::string, uint64_t> by_worker;
  std::map<std::string, uint64_t> by_model; ///< name@version; "" in old files
};

/// Counts the rows of results file `path` (RFC 4180 quoting, newlines in
/// quoted fields included). An unreadable file, or one without fovea's
/// header, is an error naming it.
caf::expected<results_counts> count_results(const std::string& path);

} // namespace fovea
