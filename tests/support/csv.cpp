#include "tests/support/csv.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "jobs/results_file.hpp"
#include "messages/errors.hpp"

namespace fovea::test {

size_t count_lines(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  size_t lines = 0;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    lines += std::count(buffer, buffer + in.gcount(), '\n');
  return lines;
}

size_t rows_written(const std::filesystem::path& out) {
  auto lines = count_lines(out.string() + ".partial");
  return lines > 0 ? lines - 1 : 0;
}

std::string file_text(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Through jobs/results_file, the module that owns the format: rows by
// column, quoted fields and line breaks in paths included.
results_file read_results(const std::filesystem::path& file) {
  results_file result;
  std::ifstream in{file};
  std::getline(in, result.header);
  auto err = fovea::read_results(file.string(), [&](results_row& row) {
    result.rows.push_back({row.path, row.label, row.class_name,
                           row.score.empty() ? 0.0 : std::stod(row.score),
                           row.worker, row.error, row.model, row.top_k});
    return caf::error{};
  });
  INFO(file.string());
  CHECK(describe(err) == "no error");
  return result;
}

std::map<std::string, int> check_results(const std::filesystem::path& file,
                                         const std::vector<std::string>& paths) {
  auto results = read_results(file);
  CHECK(results.header == "path,label,class,score,worker,error,model");
  REQUIRE(results.rows.size() == paths.size());
  std::set<std::string> seen;
  std::map<std::string, int> by_worker;
  for (auto& row : results.rows) {
    INFO(row.path);
    CHECK(seen.insert(row.path).second);
    CHECK(row.error == "");
    CHECK(row.label >= 0);
    CHECK(row.label < 10);
    CHECK(!row.class_name.empty());
    CHECK(!row.model.empty()); // name@version of the job's model
    ++by_worker[row.worker];
  }
  CHECK(seen == std::set<std::string>(paths.begin(), paths.end()));
  return by_worker;
}

} // namespace fovea::test
