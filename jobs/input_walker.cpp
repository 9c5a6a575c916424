#include "jobs/input_walker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace fovea {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

int64_t nanoseconds(const struct timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// One file the walk or the user named: an input if its name says image.
void add_file(const std::string& path, const struct stat& st, input_list& out) {
  if (!has_image_extension(path)) {
    out.not_images.push_back(path);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    // A FIFO named x.png would hang the reader; a device is not an image.
    out.items.push_back({path, "not a regular file"});
    return;
  }
  out.items.push_back(
      {path, {}, static_cast<uint64_t>(st.st_size), nanoseconds(st.st_mtim)});
}

// The directory's name joined with an entry's.
std::string join(const std::string& dir, const char* name) {
  std::string path;
  path.reserve(dir.size() + 1 + std::strlen(name));
  path += dir;
  if (!dir.empty() && dir.back() != '/')
    path += '/';
  path += name;
  return path;
}

// Walks one directory at a time rather than with
// recursive_directory_iterator, whose increment(ec) jumps to the end on any
// error and so drops the rest of the tree after one unreadable folder. Each
// entry is looked up relative to its open directory (fstatat), not by its
// whole path: a tree of 10,000 images took 28 ms to walk by path, time in
// which every worker waits for the job's first batch.
void walk_directory(const std::string& root, input_list& out) {
  std::vector<std::string> pending{root};
  while (!pending.empty()) {
    auto dir = std::move(pending.back());
    pending.pop_back();
    DIR* stream = ::opendir(dir.c_str());
    if (!stream) {
      out.items.push_back(
          {dir, std::string{"cannot read directory: "} + std::strerror(errno)});
      continue;
    }
    const int fd = ::dirfd(stream);
    for (;;) {
      errno = 0;
      auto* entry = ::readdir(stream);
      if (!entry) {
        if (errno != 0)
          out.items.push_back({dir, std::string{"cannot read directory: "} +
                                        std::strerror(errno)});
        break;
      }
      const char* name = entry->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0)
        continue;
      auto path = join(dir, name);
      struct stat st {};
      if (::fstatat(fd, name, &st, 0) != 0) {
        out.items.push_back(
            {std::move(path), std::string{"cannot stat: "} + std::strerror(errno)});
        continue;
      }
      if (!S_ISDIR(st.st_mode)) {
        add_file(path, st, out);
        continue;
      }
      struct stat link {};
      bool symlink = entry->d_type == DT_LNK
                     || (entry->d_type == DT_UNKNOWN
                         && ::fstatat(fd, name, &link, AT_SYMLINK_NOFOLLOW) == 0
                         && S_ISLNK(link.st_mode));
      if (symlink)
        out.linked_directories.push_back(std::move(path));
      else
        pending.push_back(std::move(path));
    }
    ::closedir(stream);
  }
}

void read_list(const fs::path& list, input_list& out) {
  std::ifstream in{list};
  if (!in) {
    out.items.push_back({list.string(), "cannot read list file"});
    return;
  }
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#')
      continue;
    input_item item{line, {}};
    struct stat st {};
    if (::stat(line.c_str(), &st) == 0) {
      item.size = static_cast<uint64_t>(st.st_size);
      item.modified = nanoseconds(st.st_mtim);
    }
    out.items.push_back(std::move(item));
  }
}

uint64_t fnv(uint64_t hash, const void* data, size_t size) {
  auto bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

constexpr uint64_t fnv_offset = 14695981039346656037ull;

} // namespace

uint64_t input_fingerprint(const std::vector<input_item>& inputs) {
  uint64_t hash = fnv_offset;
  for (auto& input : inputs) {
    hash = fnv(hash, input.path.data(), input.path.size());
    hash = (hash ^ 0u) * 1099511628211ull; // a separator no path contains
  }
  return hash;
}

uint64_t content_fingerprint(const std::vector<input_item>& inputs) {
  uint64_t hash = fnv_offset;
  for (auto& input : inputs) {
    hash = fnv(hash, input.path.data(), input.path.size() + 1);
    hash = fnv(hash, &input.size, sizeof input.size);
    hash = fnv(hash, &input.modified, sizeof input.modified);
  }
  return hash;
}

bool has_image_extension(const std::string& path) {
  // std::filesystem's extension(), without its allocations (once per file
  // of a walk): the last dot of the file name, unless the name starts there.
  std::string_view name{path};
  if (auto slash = name.rfind('/'); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name == "..")
    return false;
  auto ext = name.substr(dot);
  auto is = [&](std::string_view want) {
    return ext.size() == want.size()
           && std::equal(ext.begin(), ext.end(), want.begin(),
                         [](unsigned char a, unsigned char b) {
                           return std::tolower(a) == b;
                         });
  };
  return is(".png") || is(".jpg") || is(".jpeg");
}

input_list collect_inputs(const std::vector<std::string>& args) {
  input_list out;
  for (auto& arg : args) {
    struct stat st {};
    if (::stat(arg.c_str(), &st) != 0) {
      out.items.push_back({arg, errno == ENOENT ? std::string{"no such file"}
                                                : std::string{"cannot stat: "} +
                                                      std::strerror(errno)});
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      input_list found;
      walk_directory(arg, found);
      std::sort(found.items.begin(), found.items.end(),
                [](auto& a, auto& b) { return a.path < b.path; });
      std::move(found.items.begin(), found.items.end(),
                std::back_inserter(out.items));
      for (auto* list : {&found.not_images, &found.linked_directories}) {
        std::sort(list->begin(), list->end());
        auto& into =
            list == &found.not_images ? out.not_images : out.linked_directories;
        into.insert(into.end(), list->begin(), list->end());
      }
    } else if (S_ISREG(st.st_mode) &&
               lower(fs::path{arg}.extension()) == ".txt") {
      read_list(arg, out);
    } else {
      // Named by the user: an input whatever its extension says.
      input_item item{
          arg, {}, static_cast<uint64_t>(st.st_size), nanoseconds(st.st_mtim)};
      if (!S_ISREG(st.st_mode))
        item.error = "not a regular file";
      out.items.push_back(std::move(item));
    }
  }
  return out;
}

} // namespace fovea
