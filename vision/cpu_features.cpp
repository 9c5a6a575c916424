#include "vision/cpu_features.hpp"

#include <fstream>
#include <sstream>

namespace fovea {

std::set<std::string> cpu_flags() {
  std::ifstream in{"/proc/cpuinfo"};
  std::set<std::string> flags;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0)
      continue;
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    std::istringstream words{line.substr(colon + 1)};
    for (std::string flag; words >> flag;)
      flags.insert(flag);
    break; // every processor of a machine reports the same flags
  }
  return flags;
}

std::string cpu_model_name() {
  std::ifstream in{"/proc/cpuinfo"};
  for (std::string line; std::getline(in, line);) {
    auto colon = line.find(':');
    if (line.rfind("model name", 0) != 0 || colon == std::string::npos)
      continue;
    auto first = line.find_first_not_of(" \t", colon + 1);
    return first == std::string::npos ? std::string{} : line.substr(first);
  }
  return {};
}

std::vector<std::string>
missing_cpu_flags(const std::vector<std::string>& required) {
  auto have = cpu_flags();
  std::vector<std::string> missing;
  for (auto& flag : required)
    if (have.count(flag) == 0)
      missing.push_back(flag);
  return missing;
}

} // namespace fovea
