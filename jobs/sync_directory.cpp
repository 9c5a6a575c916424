#include "jobs/sync_directory.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "messages/errors.hpp"

namespace fovea {

caf::error sync_directory(const std::string& dir) {
  auto fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto ok = fd >= 0 && ::fsync(fd) == 0;
  auto saved = errno;
  if (fd >= 0)
    ::close(fd);
  if (ok)
    return caf::none;
  return make_error(errc::storage_failed, "cannot sync directory " + dir +
                                              ": " + std::strerror(saved));
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace fovea
