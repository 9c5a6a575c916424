// What a user names reaches the results file, every input accounted for:
// walk errors and files left out are said, never swallowed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("an unreadable folder in the middle of a walk is one error row "
          "naming it, and the images on both sides of it are classified",
          "[integration][inputs]") {
  if (::geteuid() != 0) {
    test::skip_test("walking as nobody needs root to switch users");
    return;
  }
  auto dir = test::fresh_dir("unreadable-walk");
  auto d = dir / "d";
  // Readable images before and after the unreadable folder, in whatever
  // order the directory is read: a/ and c/ around b/, and files beside.
  auto before = test::write_pattern_pngs(d / "a", 3);
  auto after = test::write_pattern_pngs(d / "c", 3);
  test::write_pattern_pngs(d / "b", 2);
  test::write_file(d / "z.webp", {1});
  for (auto& entry : fs::recursive_directory_iterator(dir))
    fs::permissions(entry.path(), fs::perms::all);
  fs::permissions(dir, fs::perms::all);
  fs::permissions(d / "b", fs::perms::none);
  auto out = (dir / "r.csv").string();
  test::child_process classify{{"classify", d.string(), "--out", out,
                                "--workers", "1", "--list-skipped"},
                               test::as_user{}};
  REQUIRE(classify.started());
  auto code = classify.wait_for_exit(120s);
  INFO(classify.output());
  REQUIRE(code == 0);
  auto results = test::read_results(out);
  std::map<std::string, std::string> errors;
  for (auto& row : results.rows)
    errors[row.path] = row.error;
  CHECK(results.rows.size() == before.size() + after.size() + 1);
  for (auto& path : before)
    CHECK(errors.at(path) == "");
  for (auto& path : after)
    CHECK(errors.at(path) == "");
  CHECK(errors.at((d / "b").string()) ==
        "cannot read directory: Permission denied");
  CHECK_THAT(classify.output(), Catch::Contains("7 images, 1 errors"));
  CHECK_THAT(classify.output(),
             Catch::Contains("fovea: 1 files skipped: not PNG or JPEG"));
  CHECK_THAT(classify.output(), Catch::Contains("skipped (not PNG or JPEG): " +
                                                (d / "z.webp").string()));
}
