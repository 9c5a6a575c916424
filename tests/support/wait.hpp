// Waiting on a condition that only a look can tell (a file growing, say):
// checked every 10 ms until it holds or the deadline passes. For events
// a process prints, child_process::wait_for_line wakes at once instead.
#pragma once

#include <chrono>
#include <thread>

namespace fovea::test {

template <class Predicate>
bool wait_until(Predicate holds, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!holds()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

} // namespace fovea::test
