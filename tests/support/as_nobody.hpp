// Runs a check as the unprivileged user nobody, in a forked child: root
// reads and writes everything, so a permission case must drop to nobody to
// mean anything. The caller skips the test when it is not root.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace fovea::test {

/// True when the caller may switch to nobody (it runs as root).
inline bool can_become_nobody() {
  return ::geteuid() == 0;
}

/// Whether `check`, run in a child as nobody (uid 65534), returned true.
/// The child does only what `check` does, then _exits: nothing of the test
/// process's state runs twice.
template <class Check>
bool as_nobody(Check check) {
  auto child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setuid(65534) != 0)
      ::_exit(3);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) != 3); // setuid failed
  return WEXITSTATUS(status) == 0;
}

} // namespace fovea::test
