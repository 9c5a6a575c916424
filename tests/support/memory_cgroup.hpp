// A cgroup (v1 memory controller) with a memory limit, for tests that need
// a process killed the way a real limit kills it: by the kernel's OOM
// killer, as systemd's MemoryMax= would. Removed when it goes out of scope.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/types.h>
#include <unistd.h>

namespace fovea::test {

class memory_cgroup {
public:
  /// Makes the group; usable() is false where cgroups cannot be made here
  /// (not root, no v1 memory controller): the caller skips.
  memory_cgroup(const std::string& name, uint64_t limit_bytes) {
    path_ = std::filesystem::path{"/sys/fs/cgroup/memory"} /
            ("fovea-test-" + std::to_string(::getpid()) + "-" + name);
    std::error_code ec;
    if (!std::filesystem::create_directory(path_, ec)) {
      path_.clear();
      return;
    }
    // With swap the process would page instead of being killed: limit
    // memory plus swap to the same amount.
    usable_ = write("memory.limit_in_bytes", limit_bytes);
    write("memory.memsw.limit_in_bytes", limit_bytes);
  }

  memory_cgroup(const memory_cgroup&) = delete;
  memory_cgroup& operator=(const memory_cgroup&) = delete;

  ~memory_cgroup() {
    if (!path_.empty())
      ::rmdir(path_.c_str()); // fails while a member lives; then it stays
  }

  bool usable() const noexcept { return usable_; }

  /// Moves process `pid` (all its threads) into the group.
  bool add(pid_t pid) { return write("cgroup.procs", pid); }

private:
  template <class T>
  bool write(const char* file, const T& value) {
    std::ofstream out{path_ / file};
    out << value;
    out.flush();
    return static_cast<bool>(out);
  }

  std::filesystem::path path_;
  bool usable_ = false;
};

} // namespace fovea::test
