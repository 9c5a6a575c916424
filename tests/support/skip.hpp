// Tests that cannot run here are *skipped*, never passed, for any runner:
// skip_test() records the test's name and why; when the run ends, main
// prints every skipped test and the binary exits with skipped_exit_code
// (77, as automake and ctest's SKIP_RETURN_CODE know it) if nothing failed.
// So `fovea_tests` run by hand reports skips as skips, and ctest, which runs
// one test per process, marks that test skipped.
#pragma once

#include <string>
#include <vector>

namespace fovea::test {

constexpr int skipped_exit_code = 77;

/// Marks the running test skipped, saying why; the test then returns
/// without asserting.
void skip_test(const std::string& why);

/// "NAME: WHY" of each test skipped in this run so far.
const std::vector<std::string>& skipped_tests();

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
