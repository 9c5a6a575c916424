#include "tests/support/skip.hpp"

#include <iostream>

#include <catch2/catch.hpp>

namespace fovea::test {

namespace {

std::vector<std::string>& skipped() {
  static std::vector<std::string> names;
  return names;
}

} // namespace

void skip_test(const std::string& why) {
  auto name = Catch::getResultCapture().getCurrentTestName();
  std::cout << "fovea-test-skipped: " << why << std::endl;
  skipped().push_back(name + ": " + why);
}

const std::vector<std::string>& skipped_tests() {
  return skipped();
}

} // namespace fovea::test
