#include "vision/image_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fovea {

std::string read_image_file(const std::string& path, uint64_t max_bytes,
                            std::vector<uint8_t>& bytes) {
  bytes.clear();
  auto fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return std::string{"cannot read: "} + std::strerror(errno);
  return read_image_fd(fd, max_bytes, bytes);
}

std::string read_image_fd(int fd, uint64_t max_bytes,
                          std::vector<uint8_t>& bytes) {
  bytes.clear();
  std::string error;
  struct ::stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = "cannot read: not a regular file";
  } else if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    error = "file too large: " + std::to_string(info.st_size) +
            " bytes (limit " + std::to_string(max_bytes) + ")";
  } else {
    bytes.resize(static_cast<size_t>(info.st_size));
    size_t got = 0;
    while (got < bytes.size()) {
      auto n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        error = n < 0 ? std::string{"cannot read: "} + std::strerror(errno)
                      : std::string{"cannot read: file shrank while read"};
        bytes.clear();
        break;
      }
      got += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return error;
}

} // namespace fovea
