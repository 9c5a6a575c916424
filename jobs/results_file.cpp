#include "jobs/results_file.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "jobs/csv.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

const std::vector<std::string> results_columns{
  "path", "label", "class", "score", "worker", "error", "model", "top_k"};

using file_ptr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

file_ptr open_for_reading(const std::string& path) {
  return {std::fopen(path.c_str(), "rb"), &std::fclose};
}

bool parse_label(const std::string& text, int& out) {
  try {
    size_t used = 0;
    out = std::stoi(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

std::string results_header(bool ranked, bool indexed) {
  std::string header = indexed ? index_column : "";
  header += "path,label,class,score,worker,error,model";
  header += ranked ? ",top_k\n" : "\n";
  return header;
}

std::string csv_quote(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos)
    return text;
  std::string quoted = "\"";
  for (auto c : text) {
    if (c == '"')
      quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

caf::error read_results(const std::string& path,
                        const std::function<caf::error(results_row&)>& each) {
  auto in = open_for_reading(path);
  if (!in)
    return make_error(errc::no_such_file, "cannot read results " + path);
  std::string record;
  std::vector<std::string> fields;
  if (read_csv_record(in.get(), record))
    fields = csv_fields(record);
  // Six columns before the model column, eight with top_k.
  auto columns = fields.size();
  if (columns < 6 || columns > results_columns.size()
      || !std::equal(fields.begin(), fields.end(), results_columns.begin()))
    return make_error(errc::invalid_request,
                      path + " is not a fovea results file (no header)");
  results_row row;
  for (size_t number = 1; read_csv_record(in.get(), record); ++number) {
    fields = csv_fields(record);
    auto where = path + ": row " + std::to_string(number);
    if (fields.size() != columns)
      return make_error(errc::invalid_request,
                        where + " has " + std::to_string(fields.size())
                          + " fields, not " + std::to_string(columns));
    fields.resize(results_columns.size());
    if (!parse_label(fields[1], row.label))
      return make_error(errc::invalid_request,
                        where + ": label " + fields[1]
                          + " is not a whole number");
    row.path = std::move(fields[0]);
    row.class_name = std::move(fields[2]);
    row.score = std::move(fields[3]);
    row.worker = std::move(fields[4]);
    row.error = std::move(fields[5]);
    row.model = std::move(fields[6]);
    row.top_k = std::move(fields[7]);
    if (auto err = each(row))
      return err;
  }
  return {};
}

std::string truth_header() {
  return "path,label\n";
}

std::string truth_row(const std::string& path, int label) {
  return csv_quote(path) + ',' + std::to_string(label) + '\n';
}

namespace {

// Opens truth file `path` and reads its header: the file, past the header,
// or null with why not.
file_ptr open_truth(const std::string& path, std::string& problem) {
  auto in = open_for_reading(path);
  std::string record;
  if (!in)
    problem = "cannot read it";
  else if (!read_csv_record(in.get(), record)
           || csv_fields(record) != std::vector<std::string>{"path", "label"})
    problem = "not a truth file (its first line must be path,label)";
  else
    return in;
  return {nullptr, &std::fclose};
}

} // namespace

std::string truth_file_problem(const std::string& path) {
  std::string problem;
  open_truth(path, problem);
  return problem;
}

caf::error read_truth(const std::string& path,
                      const std::function<void(std::string&, int)>& each) {
  auto bad = [&](size_t line, const std::string& why) {
    return make_error(errc::bad_config,
                      path + ":" + std::to_string(line) + ": " + why);
  };
  std::string problem;
  auto in = open_truth(path, problem);
  if (!in)
    return make_error(errc::bad_config, path + ": " + problem);
  std::string record;
  // Numbered as lines are when no path holds a line break.
  for (size_t line = 2; read_csv_record(in.get(), record); ++line) {
    auto fields = csv_fields(record);
    int label = 0;
    if (fields.size() != 2 || !parse_label(fields[1], label) || label < 0)
      return bad(line, "expected PATH,LABEL with a label >= 0");
    each(fields[0], label);
  }
  return {};
}

} // namespace fovea
