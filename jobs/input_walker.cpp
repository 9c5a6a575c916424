#include "jobs/input_walker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
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

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// A shared input goes by the path every worker mounts it at: absolute.
std::string shared_path(const std::string& path) {
  std::error_code ec;
  auto absolute = fs::absolute(path, ec);
  return ec ? path : absolute.string();
}

// One line of a list file, or nothing for a blank line or a comment.
std::optional<std::string> list_line(std::string line) {
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  auto first = line.find_first_not_of(" \t");
  if (first == std::string::npos || line[first] == '#')
    return std::nullopt;
  return line;
}

// A local path of a list file as an input.
input_item list_entry(std::string path, bool shared) {
  input_item item{shared ? shared_path(path) : std::move(path), {}};
  struct stat st {};
  if (::stat(item.path.c_str(), &st) == 0) {
    item.size = static_cast<uint64_t>(st.st_size);
    item.modified = nanoseconds(st.st_mtim);
  }
  if (shared)
    item.reference = reference_kind::shared;
  return item;
}

// What one argument names, when it is not a list file: a directory's
// sorted walk, or the file itself.
void add_argument(const std::string& arg, const struct stat& st,
                  std::vector<input_item>& items, input_list& left_out) {
  if (!S_ISDIR(st.st_mode)) {
    // Named by the user: an input whatever its extension says.
    input_item item{arg, {}, static_cast<uint64_t>(st.st_size),
                    nanoseconds(st.st_mtim)};
    if (!S_ISREG(st.st_mode))
      item.error = "not a regular file";
    items.push_back(std::move(item));
    return;
  }
  input_list found;
  walk_directory(arg, found);
  std::sort(found.items.begin(), found.items.end(),
            [](auto& a, auto& b) { return a.path < b.path; });
  items = std::move(found.items);
  for (auto* list : {&found.not_images, &found.linked_directories}) {
    std::sort(list->begin(), list->end());
    auto& into = list == &found.not_images ? left_out.not_images
                                           : left_out.linked_directories;
    into.insert(into.end(), list->begin(), list->end());
  }
}

uint64_t fnv(uint64_t hash, const void* data, size_t size) {
  auto bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

} // namespace

void input_fingerprint_builder::add(const input_item& input) {
  paths_ = fnv(paths_, input.path.data(), input.path.size());
  paths_ = (paths_ ^ 0u) * 1099511628211ull; // a separator no path contains
  contents_ = fnv(contents_, input.path.data(), input.path.size() + 1);
  // A reference's object is checked by the worker that reads it, row by
  // row, when its job resumes (jobs/resumed_references.hpp): a change
  // there re-reads that input, not the whole job.
  if (input.reference == reference_kind::none) {
    contents_ = fnv(contents_, &input.size, sizeof input.size);
    contents_ = fnv(contents_, &input.modified, sizeof input.modified);
  }
  ++count_;
}

uint64_t input_fingerprint(const std::vector<input_item>& inputs) {
  input_fingerprint_builder built;
  for (auto& input : inputs)
    built.add(input);
  return built.paths();
}

uint64_t content_fingerprint(const std::vector<input_item>& inputs) {
  input_fingerprint_builder built;
  for (auto& input : inputs)
    built.add(input);
  return built.contents();
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

struct input_walk::list_file {
  std::ifstream in;
};

input_walk::input_walk(std::vector<std::string> args, walk_options options)
  : args_(std::move(args)), options_(std::move(options)) {
}

bool input_walk::open_reference(const std::string& text) {
  if (starts_with(text, "https://")) {
    held_.push_back({text, {}, 0, 0, reference_kind::https});
    return true;
  }
  if (starts_with(text, "http://")) {
    held_.push_back({text, "only https:// inputs are read: http:// would "
                           "carry them in clear and unauthenticated"});
    return true;
  }
  if (!starts_with(text, "s3://"))
    return false;
  auto slash = text.find('/', 5);
  bool prefix = slash == std::string::npos || text.back() == '/';
  if (!prefix) {
    held_.push_back({text, {}, 0, 0, reference_kind::s3});
  } else if (!options_.list_s3) {
    held_.push_back({text, "an S3 prefix, which this client cannot list "
                           "(it needs fovea.s3-endpoint and credentials)"});
  } else {
    listing_ = options_.list_s3(text);
  }
  return true;
}

input_walk::~input_walk() = default;

void input_walk::open_next_argument() {
  auto& arg = args_[next_arg_++];
  held_.clear();
  next_held_ = 0;
  if (open_reference(arg))
    return;
  struct stat st {};
  if (::stat(arg.c_str(), &st) != 0) {
    if (options_.shared) {
      // A file the workers may see where this client does not: they say.
      held_.push_back(list_entry(arg, true));
      return;
    }
    held_.push_back({arg, errno == ENOENT ? std::string{"no such file"}
                                          : std::string{"cannot stat: "} +
                                              std::strerror(errno)});
    return;
  }
  if (S_ISREG(st.st_mode) && lower(fs::path{arg}.extension()) == ".txt") {
    list_ = std::make_unique<list_file>();
    list_->in.open(arg);
    if (!list_->in) {
      list_.reset();
      held_.push_back({arg, "cannot read list file"});
    }
    return;
  }
  add_argument(options_.shared ? shared_path(arg) : arg, st, held_,
               left_out_);
  if (options_.shared)
    for (auto& item : held_)
      if (item.error.empty())
        item.reference = reference_kind::shared;
}

bool input_walk::next(input_item& item) {
  for (;;) {
    if (next_held_ < held_.size()) {
      item = std::move(held_[next_held_++]);
      return true;
    }
    if (listing_) {
      if (listing_->next(item))
        return true;
      listing_.reset();
    }
    if (list_) {
      bool opened = false;
      for (std::string text; !opened && std::getline(list_->in, text);) {
        auto line = list_line(std::move(text));
        if (!line)
          continue;
        held_.clear(); // given out already
        next_held_ = 0;
        if (open_reference(*line)) {
          opened = true; // held_ or listing_ has it
          break;
        }
        item = list_entry(std::move(*line), options_.shared);
        return true;
      }
      if (opened)
        continue;
      list_.reset();
    }
    if (next_arg_ == args_.size()) {
      held_.clear();
      return false;
    }
    open_next_argument();
  }
}

input_list collect_inputs(const std::vector<std::string>& args,
                          walk_options options) {
  input_list out;
  input_walk walk{args, std::move(options)};
  for (input_item item; walk.next(item);)
    out.items.push_back(std::move(item));
  out.not_images = walk.not_images();
  out.linked_directories = walk.linked_directories();
  return out;
}

} // namespace fovea
