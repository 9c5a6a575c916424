// What a user names becomes the job's inputs, none dropped silently.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "jobs/input_walker.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

TEST_CASE("directories are walked recursively in sorted order, images only",
          "[unit]") {
  auto dir = test::fresh_dir("walk");
  fs::create_directories(dir / "b" / "deeper");
  for (auto name : {"b/deeper/z.PNG", "a.jpg", "b/c.jpeg", "notes.txt",
                    "b/data.json"})
    test::write_file(dir / name, {1});
  auto inputs = collect_inputs({dir.string()});
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].path == (dir / "a.jpg").string());
  CHECK(inputs[1].path == (dir / "b/c.jpeg").string());
  CHECK(inputs[2].path == (dir / "b/deeper/z.PNG").string());
  for (auto& input : inputs)
    CHECK(input.error.empty());
}

TEST_CASE("a .txt argument lists paths, one per line", "[unit]") {
  auto dir = test::fresh_dir("list");
  std::ofstream{dir / "list.txt"} << "# my images\n"
                                  << "x.png\n"
                                  << "\n"
                                  << "  \n"
                                  << "y y.jpg\r\n";
  auto inputs = collect_inputs({(dir / "list.txt").string()});
  REQUIRE(inputs.size() == 2);
  CHECK(inputs[0].path == "x.png");
  CHECK(inputs[1].path == "y y.jpg");
}

TEST_CASE("a missing input stays an input, with its error", "[unit]") {
  auto dir = test::fresh_dir("missing");
  test::write_file(dir / "real.png", {1});
  auto inputs = collect_inputs(
    {(dir / "nope.png").string(), (dir / "real.png").string()});
  REQUIRE(inputs.size() == 2);
  CHECK(inputs[0].error == "no such file");
  CHECK(inputs[1].error.empty());
}

TEST_CASE("a symlink loop in a walked directory does not trap the walk",
          "[unit]") {
  auto dir = test::fresh_dir("loop");
  test::write_file(dir / "a.png", {1});
  fs::create_directory_symlink(dir, dir / "again");
  auto inputs = collect_inputs({dir.string()});
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].path == (dir / "a.png").string());
}
