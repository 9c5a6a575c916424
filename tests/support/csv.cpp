#include "tests/support/csv.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "jobs/csv.hpp"

namespace fovea::test {

size_t count_lines(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  size_t lines = 0;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    lines += std::count(buffer, buffer + in.gcount(), '\n');
  return lines;
}

results_file read_results(const std::filesystem::path& file) {
  results_file result;
  std::ifstream in{file};
  std::getline(in, result.header);
  for (std::string line; std::getline(in, line);) {
    auto f = csv_fields(line);
    f.resize(8);
    result.rows.push_back({f[0], f[1].empty() ? -1 : std::stoi(f[1]), f[2],
                           f[3].empty() ? 0.0 : std::stod(f[3]), f[4], f[5],
                           f[6], f[7]});
  }
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
