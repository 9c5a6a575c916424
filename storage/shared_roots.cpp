#include "storage/shared_roots.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "messages/errors.hpp"
#include "vision/image_file.hpp"

namespace fovea {

namespace {

const std::string none;

// glibc 2.36 has no wrapper for openat2.
int open_beneath(int root, const std::string& relative) {
  open_how how{};
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(
      ::syscall(SYS_openat2, root, relative.c_str(), &how, sizeof how));
}

std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  return path;
}

} // namespace

caf::expected<shared_roots>
shared_roots::open(const std::vector<std::string>& paths) {
  shared_roots opened;
  for (auto& given : paths) {
    auto path = without_trailing_slash(given);
    if (path.empty() || path.front() != '/')
      return make_error(errc::invalid_request,
                        "fovea.shared-roots: " + given +
                            ": a shared root is an absolute path");
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return make_error(errc::invalid_request, "fovea.shared-roots: " + given +
                                                   ": " + std::strerror(errno));
    opened.roots_.push_back({std::move(path), fd});
  }
  return opened;
}

shared_roots::shared_roots(shared_roots&& other) noexcept
    : roots_(std::move(other.roots_)) {
  other.roots_.clear();
}

shared_roots::~shared_roots() {
  for (auto& r : roots_)
    ::close(r.fd);
}

const std::string& shared_roots::root_of(const std::string& path) const {
  const root* best = nullptr;
  for (auto& r : roots_) {
    bool beneath = r.path == "/"
                       ? path.size() > 1 && path.front() == '/'
                       : path.size() > r.path.size() + 1 &&
                             path.compare(0, r.path.size(), r.path) == 0 &&
                             path[r.path.size()] == '/';
    if (beneath && (!best || r.path.size() > best->path.size()))
      best = &r;
  }
  return best ? best->path : none;
}

std::string shared_roots::read(const std::string& path, uint64_t max_bytes,
                               std::vector<uint8_t>& bytes,
                               std::string* version,
                               const std::string& unless_version) const {
  bytes.clear();
  auto& root_path = root_of(path);
  if (root_path.empty())
    return "refused: " + path + " is beneath none of fovea.shared-roots";
  int root_fd = -1;
  for (auto& r : roots_)
    if (r.path == root_path)
      root_fd = r.fd;
  auto relative = path.substr(root_path == "/" ? 1 : root_path.size() + 1);
  int fd = open_beneath(root_fd, relative);
  if (fd < 0) {
    if (errno == EXDEV || errno == ELOOP)
      return "refused: " + path + " leads out of its shared root " + root_path +
             " (through '..' or a symbolic link)";
    return std::string{"cannot read: "} + std::strerror(errno);
  }
  if (version) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      auto why = std::string{"cannot read: "} + std::strerror(errno);
      ::close(fd);
      return why;
    }
    char nanos[16];
    std::snprintf(nanos, sizeof nanos, "%09ld", st.st_mtim.tv_nsec);
    *version = std::to_string(st.st_size) + ":" +
               std::to_string(st.st_mtim.tv_sec) + "." + nanos;
    if (!unless_version.empty() && *version == unless_version) {
      ::close(fd);
      return {};
    }
  }
  return read_image_fd(fd, max_bytes, bytes);
}

} // namespace fovea
