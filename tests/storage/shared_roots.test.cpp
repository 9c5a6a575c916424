// A worker reads a shared input only beneath the roots it allows: '..',
// symbolic links out, other folders and prefixes that only look alike are
// refused by the open itself, with a reason for the input's row.
#include <catch2/catch.hpp>

#include <filesystem>

#include "messages/errors.hpp"
#include "storage/shared_roots.hpp"
#include "tests/support/as_nobody.hpp"
#include "tests/support/images.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t max_bytes = 1 << 20;

struct shared_fixture {
  fs::path base = test::fresh_dir("shared-roots");
  fs::path root = base / "data";
  shared_fixture() {
    fs::create_directories(root / "images");
    test::write_file(root / "images" / "a.png", test::pattern_png(1));
    fs::create_directories(base / "data-evil");
    test::write_file(base / "data-evil" / "b.png", test::pattern_png(2));
    test::write_file(base / "secret.png", test::pattern_png(3));
  }
  shared_roots roots() {
    auto opened = shared_roots::open({root.string() + "/"});
    REQUIRE(opened);
    return std::move(*opened);
  }
  std::string read(const fs::path& path) {
    std::vector<uint8_t> bytes;
    auto problem = roots().read(path.string(), max_bytes, bytes);
    if (problem.empty())
      CHECK_FALSE(bytes.empty());
    return problem;
  }
};

} // namespace

TEST_CASE("a file beneath a shared root is read, through a link that stays "
          "beneath it",
          "[unit]") {
  shared_fixture f;
  CHECK(f.read(f.root / "images" / "a.png") == "");
  fs::create_symlink("images/a.png", f.root / "inside.png");
  CHECK(f.read(f.root / "inside.png") == "");
  CHECK(f.roots().root_of((f.root / "images" / "a.png").string()) ==
        f.root.string());
}

TEST_CASE("a shared path that leads out of its root is refused by the open",
          "[unit]") {
  shared_fixture f;
  const std::string out = "leads out of its shared root " + f.root.string();
  SECTION("'..'") {
    CHECK_THAT(f.read(f.root.string() + "/../secret.png"),
               Catch::StartsWith("refused: ") && Catch::Contains(out));
  }
  SECTION("an absolute symbolic link") {
    fs::create_symlink(f.base / "secret.png", f.root / "abs.png");
    CHECK_THAT(f.read(f.root / "abs.png"), Catch::Contains(out));
  }
  SECTION("a relative symbolic link out") {
    fs::create_symlink("../../secret.png", f.root / "images" / "rel.png");
    CHECK_THAT(f.read(f.root / "images" / "rel.png"), Catch::Contains(out));
  }
  SECTION("a folder of links out") {
    fs::create_directory_symlink(f.base, f.root / "up");
    CHECK_THAT(f.read(f.root / "up" / "secret.png"), Catch::Contains(out));
  }
  SECTION("/proc's magic links") {
    auto roots = shared_roots::open({"/proc"});
    REQUIRE(roots);
    std::vector<uint8_t> bytes;
    CHECK_THAT(roots->read("/proc/self/root/etc/hostname", max_bytes, bytes),
               Catch::StartsWith("refused: "));
  }
}

TEST_CASE("a path beneath no shared root, or one that only looks alike, is "
          "refused, and a root must be an existing folder",
          "[unit]") {
  shared_fixture f;
  for (auto path : {f.base / "data-evil" / "b.png", f.base / "secret.png",
                    f.root, fs::path{"relative/a.png"}})
    CHECK_THAT(f.read(path), Catch::EndsWith("is beneath none of "
                                             "fovea.shared-roots"));
  CHECK(f.read(f.root / "images") == "cannot read: not a regular file");
  CHECK(f.read(f.root / "missing.png") ==
        "cannot read: No such file or directory");
  for (auto bad : {std::string{"relative"}, (f.base / "none").string(),
                   (f.root / "images" / "a.png").string()}) {
    auto opened = shared_roots::open({bad});
    REQUIRE_FALSE(opened);
    CHECK_THAT(describe(opened.error()),
               Catch::Contains("fovea.shared-roots: " + bad));
  }
}

TEST_CASE("a shared file the worker's user may not read is a permission "
          "reason",
          "[unit]") {
  if (!test::can_become_nobody()) {
    test::skip_test("reading as nobody needs root to switch users");
    return;
  }
  shared_fixture f;
  fs::permissions(f.base, fs::perms::all);
  fs::permissions(f.root, fs::perms::all);
  fs::permissions(f.root / "images", fs::perms::all);
  fs::permissions(f.root / "images" / "a.png", fs::perms::owner_read);
  auto roots = f.roots();
  CHECK(test::as_nobody([&] {
    std::vector<uint8_t> bytes;
    return roots.read((f.root / "images" / "a.png").string(), max_bytes,
                      bytes)
           == "cannot read: Permission denied";
  }));
}
