// Catch2's main for the whole suite. SIGPIPE is ignored: a test writing to
// the stdin of a child that has already ended gets EPIPE, not killed. A run
// in which tests skipped themselves (tests/support/skip.hpp) names them and
// exits 77 unless something failed: a skip never reads as a pass.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>

#include "tests/support/skip.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto failed = Catch::Session().run(argc, argv);
  auto& skipped = fovea::test::skipped_tests();
  if (failed != 0 || skipped.empty())
    return failed;
  std::cout << skipped.size() << " test case(s) skipped, not passed:\n";
  for (auto& line : skipped)
    std::cout << "  " << line << "\n";
  return fovea::test::skipped_exit_code;
}
