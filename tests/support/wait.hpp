// Waiting on events, never by polling with sleeps:
// - event_count: something that happens inside the test process (a test
//   actor took a batch), counted, with a wait that wakes when it happens;
// - wait_for_exit_of: processes that are not our children (a runner's
//   nodes), through pidfds, which become readable when a process ends;
// - wait_for_file: a file another process writes, through inotify on its
//   folder, re-checking a condition after each change.
// For lines a child prints, child_process::wait_for_line does the same.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fovea::test {

class event_count {
public:
  void add() {
    {
      std::lock_guard guard{mutex_};
      ++count_;
    }
    changed_.notify_all();
  }

  int count() {
    std::lock_guard guard{mutex_};
    return count_;
  }

  /// True once at least `n` events happened; false if `timeout` passed.
  bool wait_for(int n, std::chrono::seconds timeout) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

/// True once every one of `pids` has ended (or was already gone); false if
/// `timeout` passed first.
bool wait_for_exit_of(const std::vector<pid_t>& pids,
                      std::chrono::seconds timeout);

/// True once `holds()`, checked now and after each change to a file in
/// `file`'s folder (written, created, renamed, removed); false if `timeout`
/// passed first.
bool wait_for_file(const std::string& file, const std::function<bool()>& holds,
                   std::chrono::seconds timeout);

} // namespace fovea::test
