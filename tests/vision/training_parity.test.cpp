// Serving sees what training saw: Fashion-MNIST test images, exported as
// PNG and preprocessed by fovea with the shipped model.ini, equal the
// tensors train.py's loader made for them (tests/fixtures, written by
// models/fashion-mnist/1/make_fixture.py).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "datasets/fashion_mnist.hpp"
#include "messages/errors.hpp"
#include "tests/support/images.hpp"
#include "vision/manifest.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;

TEST_CASE("fovea's preprocessing of test-set PNGs equals the training "
          "script's tensors",
          "[unit]") {
  auto manifest = load_manifest(std::string{FOVEA_SOURCE_DIR}
                                + "/models/fashion-mnist/1");
  REQUIRE(manifest);
  auto images = load_fashion_mnist(fashion_mnist_dir, "test");
  REQUIRE(images);
  std::ifstream fixture{std::string{FOVEA_SOURCE_DIR}
                        + "/tests/fixtures/fashion-mnist-preprocess.txt"};
  REQUIRE(fixture);
  const size_t size = 28 * 28;
  int compared = 0;
  for (std::string line; std::getline(fixture, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream in{line};
    size_t index = 0;
    int label = 0;
    in >> index >> label;
    std::vector<float> expected(size);
    for (auto& v : expected)
      in >> v;
    REQUIRE(in);
    CHECK(images->labels[index] == label);
    // The image as `fovea dataset` writes it, one at a time.
    labelled_images one;
    one.width = images->width;
    one.height = images->height;
    one.pixels.assign(images->pixels.begin() + index * size,
                      images->pixels.begin() + (index + 1) * size);
    one.labels = {images->labels[index]};
    auto dir = test::fresh_dir("parity-" + std::to_string(index)).string();
    REQUIRE(export_images(one, dir));
    auto png = test::read_file(dir + "/00000.png");
    std::vector<float> actual(size);
    auto err = preprocess(png, *manifest, actual);
    INFO(describe(err));
    REQUIRE_FALSE(err);
    float worst = 0;
    for (size_t i = 0; i < size; ++i)
      worst = std::max(worst, std::abs(actual[i] - expected[i]));
    INFO("image " << index << ": largest difference " << worst);
    CHECK(worst <= 1e-6f);
    ++compared;
  }
  CHECK(compared == 5);
}
