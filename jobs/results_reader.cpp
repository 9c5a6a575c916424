#include "jobs/results_reader.hpp"

#include <fstream>
#include <vector>

#include "messages/errors.hpp"

namespace fovea {

namespace {

// The next record's fields; false at the end of the file.
bool next_record(std::istream& in, std::vector<std::string>& fields) {
  fields.assign(1, {});
  bool quoted = false;
  bool any = false;
  for (char c; in.get(c);) {
    any = true;
    if (quoted) {
      if (c == '"' && in.peek() == '"')
        fields.back() += static_cast<char>(in.get());
      else if (c == '"')
        quoted = false;
      else
        fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      return true;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return any;
}

} // namespace

caf::expected<results_counts> count_results(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(errc::no_such_file, "cannot read results " + path);
  std::vector<std::string> fields;
  // The top_k column is there if the job ranked classes; files of fovea
  // before the model column have the first six.
  std::vector<std::string> header{"path",   "label", "class", "score",
                                  "worker", "error", "model", "top_k"};
  if (!next_record(in, fields))
    fields.clear();
  if (fields.size() >= 6 && fields.size() <= header.size())
    header.resize(fields.size());
  if (fields != header)
    return make_error(errc::invalid_request,
                      path + " is not a fovea results file (no header)");
  results_counts counts;
  while (next_record(in, fields)) {
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
