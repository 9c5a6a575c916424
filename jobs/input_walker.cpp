#include "jobs/input_walker.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace fovea {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

void walk_directory(const fs::path& dir, std::vector<input_item>& out) {
  std::vector<input_item> found;
  std::error_code ec;
  // Symlinked directories are not followed: a link loop cannot trap the walk.
  fs::recursive_directory_iterator it{dir, ec}, end;
  if (ec) {
    out.push_back({dir.string(), "cannot read directory: " + ec.message()});
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      found.push_back({it->path().string(), "cannot read: " + ec.message()});
      ec.clear();
      continue;
    }
    if (it->is_directory(ec))
      continue;
    auto path = it->path().string();
    if (has_image_extension(path))
      found.push_back({path, {}});
  }
  std::sort(found.begin(), found.end(),
            [](auto& a, auto& b) { return a.path < b.path; });
  out.insert(out.end(), found.begin(), found.end());
}

void read_list(const fs::path& list, std::vector<input_item>& out) {
  std::ifstream in{list};
  if (!in) {
    out.push_back({list.string(), "cannot read list file"});
    return;
  }
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#')
      continue;
    out.push_back({line, {}});
  }
}

} // namespace

uint64_t input_fingerprint(const std::vector<input_item>& inputs) {
  uint64_t hash = 14695981039346656037ull;
  for (auto& input : inputs) {
    for (unsigned char c : input.path)
      hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0u) * 1099511628211ull; // a separator no path contains
  }
  return hash;
}

bool has_image_extension(const std::string& path) {
  auto ext = lower(fs::path{path}.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<input_item> collect_inputs(const std::vector<std::string>& args) {
  std::vector<input_item> out;
  for (auto& arg : args) {
    std::error_code ec;
    auto status = fs::status(arg, ec);
    if (fs::is_directory(status))
      walk_directory(arg, out);
    else if (fs::is_regular_file(status) && lower(fs::path{arg}.extension()) == ".txt")
      read_list(arg, out);
    else if (fs::exists(status))
      out.push_back({arg, {}});
    else
      out.push_back({arg, "no such file"});
  }
  return out;
}

} // namespace fovea
