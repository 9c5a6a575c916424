// Catch2's main for the whole suite. SIGPIPE is ignored: a test writing to
// the stdin of a child that has already ended gets EPIPE, not killed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
