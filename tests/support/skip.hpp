// Tests that cannot run here say so to ctest as *skipped*, never passed:
// skip_test() prints the marker that tests/CMakeLists.txt gives ctest as
// SKIP_REGULAR_EXPRESSION, and the test then returns without asserting.
#pragma once

#include <iostream>
#include <string>

namespace fovea::test {

inline void skip_test(const std::string& why) {
  std::cout << "fovea-test-skipped: " << why << std::endl;
}

} // namespace fovea::test

namespace fovea::test {

/// True in a build with AddressSanitizer: its allocator keeps freed memory
/// in quarantine and its shadow memory grows every process, so memory
/// measurements and memory limits there measure the sanitizer, not fovea.
constexpr bool sanitized_build() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#else
  return false;
#endif
}

} // namespace fovea::test
