// What a client reads from disk: every input becomes bytes or a reason,
// and nothing it meets in a walked directory can hang it or crash it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "actors/client.hpp"
#include "tests/support/as_nobody.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

image_task read_one(const std::string& path, uint64_t max_bytes = 1 << 20) {
  return read_task({path, {}}, 1, 0, max_bytes);
}

} // namespace

TEST_CASE("a readable image file travels as its bytes", "[unit]") {
  auto dir = test::fresh_dir("client-read");
  auto png = test::pattern_png(1);
  test::write_file(dir / "a.png", png);
  auto task = read_one((dir / "a.png").string());
  CHECK(task.error == "");
  CHECK(task.bytes == png);
}

TEST_CASE("a file over the size limit is refused before it is read",
          "[unit]") {
  auto dir = test::fresh_dir("client-big");
  test::write_file(dir / "big.png", std::vector<uint8_t>(1001, 0x89));
  auto task = read_one((dir / "big.png").string(), 1000);
  CHECK(task.error == "file too large: 1001 bytes (limit 1000)");
  CHECK(task.bytes.empty());
  CHECK(read_one((dir / "big.png").string(), 1001).error == "");
}

TEST_CASE("directories, FIFOs and broken links named .png become reasons",
          "[unit]") {
  auto dir = test::fresh_dir("client-odd");
  fs::create_directory(dir / "folder.png");
  REQUIRE(::mkfifo((dir / "fifo.png").c_str(), 0600) == 0);
  fs::create_symlink(dir / "missing.png", dir / "broken.png");
  fs::create_symlink(dir / "loop-b.png", dir / "loop-a.png");
  fs::create_symlink(dir / "loop-a.png", dir / "loop-b.png");
  CHECK(read_one((dir / "folder.png").string()).error
        == "cannot read: not a regular file");
  CHECK(read_one((dir / "fifo.png").string()).error
        == "cannot read: not a regular file");
  CHECK(read_one((dir / "broken.png").string()).error
        == "cannot read: No such file or directory");
  CHECK(read_one((dir / "loop-a.png").string()).error
        == "cannot read: Too many levels of symbolic links");
}

TEST_CASE("a walked directory with link loops gives every file one input",
          "[unit]") {
  auto dir = test::fresh_dir("client-walk");
  test::write_pattern_pngs(dir / "sub", 2);
  fs::create_directory_symlink(dir, dir / "sub" / "up"); // a directory loop
  fs::create_symlink(dir / "missing.png", dir / "broken.png");
  fs::create_symlink(dir / "self.png", dir / "self.png");
  auto inputs = collect_inputs({dir.string()}).items;
  std::vector<std::string> errors;
  REQUIRE(inputs.size() == 4); // 2 images, the broken link, the self-link
  for (auto& input : inputs) {
    auto task = read_task(input, 1, 0, 1 << 20);
    errors.push_back(fs::path{task.path}.filename().string() + ": "
                     + task.error);
  }
  CHECK(errors
        == std::vector<std::string>{
          "broken.png: cannot stat: No such file or directory",
          "self.png: cannot stat: Too many levels of symbolic links",
          "00000.png: ", "00001.png: "});
}

TEST_CASE("a file the user may not read becomes a permission reason",
          "[unit]") {
  auto dir = test::fresh_dir("client-perm");
  test::write_file(dir / "secret.png", test::pattern_png(1));
  fs::permissions(dir / "secret.png", fs::perms::owner_write);
  fs::permissions(dir, fs::perms::all); // let an unprivileged child in
  // root reads anything, so as root the read runs as nobody; the owner
  // itself has no read permission either.
  auto denied = [&] {
    auto task = read_task({(dir / "secret.png").string(), {}}, 1, 0, 1 << 20);
    return task.error == "cannot read: Permission denied";
  };
  CHECK((test::can_become_nobody() ? test::as_nobody(denied) : denied()));
}
