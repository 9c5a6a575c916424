#include "jobs/results_reader.hpp"

#include <cstdio>
#include <memory>
#include <vector>

#include "jobs/csv.hpp"
#include "messages/errors.hpp"

namespace fovea {

caf::expected<results_counts> count_results(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in{
    std::fopen(path.c_str(), "rb"), &std::fclose};
  if (!in)
    return make_error(errc::no_such_file, "cannot read results " + path);
  std::string record;
  std::vector<std::string> fields;
  // The fields of the next record; false at the end of the file.
  auto next_record = [&] {
    if (!read_csv_record(in.get(), record))
      return false;
    fields = csv_fields(record);
    return true;
  };
  // The top_k column is there if the job ranked classes; files of fovea
  // before the model column have the first six.
  std::vector<std::string> header{"path",   "label", "class", "score",
                                  "worker", "error", "model", "top_k"};
  if (!next_record())
    fields.clear();
  if (fields.size() >= 6 && fields.size() <= header.size())
    header.resize(fields.size());
  if (fields != header)
    return make_error(errc::invalid_request,
                      path + " is not a fovea results file (no header)");
  results_counts counts;
  while (next_record()) {
    if (fields.size() != header.size())
      return make_error(errc::invalid_request,
                        path + ": row " + std::to_string(counts.rows + 1)
                          + " has " + std::to_string(fields.size())
                          + " fields, not " + std::to_string(header.size()));
    ++counts.rows;
    if (!fields[5].empty())
      ++counts.errors;
    ++counts.by_worker[fields[4]];
    ++counts.by_model[fields.size() > 6 ? fields[6] : std::string{}];
  }
  return counts;
}

} // namespace fovea
