// Importing Fashion-MNIST: the real files load; malformed IDX files and a
// missing package are refused with a message that names the file.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "datasets/fashion_mnist.hpp"
#include "datasets/idx_file.hpp"
#include "jobs/results_file.hpp"
#include "messages/errors.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

TEST_CASE("Debian's Fashion-MNIST test split loads whole", "[unit]") {
  auto images = load_fashion_mnist(fashion_mnist_dir, "test");
  INFO((images ? "" : describe(images.error())));
  REQUIRE(images);
  CHECK(images->count() == 10000);
  CHECK(images->width == 28);
  CHECK(images->height == 28);
  CHECK(images->pixels.size() == 10000u * 28 * 28);
  CHECK(images->labels[0] == 9); // the first test image is an ankle boot
}

TEST_CASE("malformed IDX files are refused with the reason", "[unit]") {
  auto dir = test::fresh_dir("idx");
  auto file = (dir / "bad.idx").string();
  auto [name, bytes, reason] = GENERATE(
    table<std::string, std::vector<uint8_t>, std::string>({
      {"too short", {0, 0, 8}, "shorter than its header"},
      {"wrong magic", {0, 0, 9, 1, 0, 0, 0, 1, 5}, "magic number"},
      {"wrong rank", {0, 0, 8, 3, 0, 0, 0, 1, 5}, "magic number"},
      {"data shorter than its header says",
       {0, 0, 8, 1, 0, 0, 0, 3, 5, 6},
       "header says 3 bytes of data, file has 2"},
    }));
  INFO(name);
  test::write_file(file, bytes);
  auto loaded = read_idx(file, 1);
  REQUIRE_FALSE(loaded);
  auto text = describe(loaded.error());
  CHECK(text.find(file) != std::string::npos);
  CHECK(text.find(reason) != std::string::npos);
}

TEST_CASE("a missing data set names the Debian package to install",
          "[unit]") {
  auto loaded = load_fashion_mnist("/nonexistent/fashion-mnist", "test");
  REQUIRE_FALSE(loaded);
  CHECK(describe(loaded.error()).find("apt-get install dataset-fashion-mnist")
        != std::string::npos);
}

TEST_CASE("exported images come with a truth.csv naming each file, "
          "whatever the folder's name",
          "[unit]") {
  labelled_images images;
  images.width = 2;
  images.height = 1;
  images.pixels = {0, 255, 10, 20};
  images.labels = {3, 7};
  auto dir = (test::fresh_dir("export") / "a, \"b\"").string();
  auto written = export_images(images, dir);
  REQUIRE(written);
  CHECK(*written == 2);
  CHECK(fs::exists(dir + "/00000.png"));
  CHECK(fs::exists(dir + "/00001.png"));
  std::vector<std::pair<std::string, int>> rows;
  auto read = read_truth(dir + "/truth.csv", [&](std::string& path,
                                                 int label) {
    rows.emplace_back(path, label);
  });
  INFO(describe(read));
  REQUIRE_FALSE(read);
  CHECK(rows == std::vector<std::pair<std::string, int>>{
                  {dir + "/00000.png", 3}, {dir + "/00001.png", 7}});
}
