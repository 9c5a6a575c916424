#include "tests/support/csv.hpp"

#include <fstream>

#include "jobs/csv.hpp"

namespace fovea::test {

results_file read_results(const std::filesystem::path& file) {
  results_file result;
  std::ifstream in{file};
  std::getline(in, result.header);
  for (std::string line; std::getline(in, line);) {
    auto f = csv_fields(line);
    f.resize(6);
    result.rows.push_back({f[0], f[1].empty() ? -1 : std::stoi(f[1]), f[2],
                           f[3].empty() ? 0.0 : std::stod(f[3]), f[4], f[5]});
  }
  return result;
}

} // namespace fovea::test
