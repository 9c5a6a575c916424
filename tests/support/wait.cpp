#include "tests/support/wait.hpp"

#include <filesystem>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fovea::test {

namespace {

using clock = std::chrono::steady_clock;

int milliseconds_until(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

} // namespace

bool wait_for_exit_of(const std::vector<pid_t>& pids,
                      std::chrono::seconds timeout) {
  auto deadline = clock::now() + timeout;
  bool all_ended = true;
  for (auto pid : pids) {
    // glibc 2.36's <sys/pidfd.h> lacks extern "C", so call it directly.
    auto fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0)
      continue; // already gone
    pollfd ended{fd, POLLIN, 0};
    if (::poll(&ended, 1, milliseconds_until(deadline)) != 1)
      all_ended = false;
    ::close(fd);
  }
  return all_ended;
}

bool wait_for_file(const std::string& file, const std::function<bool()>& holds,
                   std::chrono::seconds timeout) {
  auto deadline = clock::now() + timeout;
  auto folder = std::filesystem::absolute(file).parent_path();
  int fd = ::inotify_init1(IN_CLOEXEC);
  if (fd < 0)
    return holds();
  ::inotify_add_watch(fd, folder.c_str(),
                      IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO
                        | IN_DELETE | IN_CLOSE_WRITE);
  // Watching before the first check: a change between the two still wakes.
  bool result = holds();
  char events[4096];
  while (!result) {
    pollfd changed{fd, POLLIN, 0};
    if (::poll(&changed, 1, milliseconds_until(deadline)) != 1)
      break;
    if (::read(fd, events, sizeof(events)) < 0)
      break;
    result = holds();
  }
  ::close(fd);
  return result;
}

} // namespace fovea::test
