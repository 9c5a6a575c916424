#include "jobs/results_reader.hpp"

#include "jobs/results_file.hpp"

namespace fovea {

caf::expected<results_counts> count_results(const std::string& path) {
  results_counts counts;
  auto err = read_results(path, [&](results_row& row) {
    ++counts.rows;
    if (!row.error.empty())
      ++counts.errors;
    ++counts.by_worker[row.worker];
    ++counts.by_model[row.model];
    return caf::error{};
  });
  if (err)
    return err;
  return counts;
}

} // namespace fovea
