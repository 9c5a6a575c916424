// A full disk, simulated for one scope: RLIMIT_FSIZE makes write() past
// `bytes` fail (EFBIG, where a full disk gives ENOSPC), and SIGXFSZ, which
// would kill the process instead, is ignored meanwhile. Process-wide: make
// the files a test needs before, and keep them below the limit.
#pragma once

#include <csignal>
#include <sys/resource.h>

namespace fovea::test {

class file_size_limit {
public:
  explicit file_size_limit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &old_limit_);
    rlimit small = old_limit_;
    small.rlim_cur = bytes;
    applied_ = ::setrlimit(RLIMIT_FSIZE, &small) == 0;
  }
  file_size_limit(const file_size_limit&) = delete;
  file_size_limit& operator=(const file_size_limit&) = delete;
  ~file_size_limit() {
    ::setrlimit(RLIMIT_FSIZE, &old_limit_);
    std::signal(SIGXFSZ, old_handler_);
  }

  bool applied() const noexcept { return applied_; }

private:
  rlimit old_limit_{};
  void (*old_handler_)(int) = nullptr;
  bool applied_ = false;
};

} // namespace fovea::test
