// resize = "shorter-side" against torchvision: the same PNGs, through
// fovea's preprocessing and through Resize(36) + CenterCrop((30, 32))
// (tests/fixtures/make_center_crop.py), give the same crop. The scalers
// differ (OpenCV's area averaging, PIL's antialiased bilinear), so pixels
// may differ by a few levels; a crop off by one pixel, or a stretch, is
// far outside that.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "messages/errors.hpp"
#include "tests/support/images.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;

namespace {

const std::string fixtures =
    std::string{FOVEA_SOURCE_DIR} + "/tests/fixtures/center-crop/";

model_manifest crop_manifest(resize_mode mode) {
  model_manifest m;
  m.name = "crop";
  m.version = "1";
  m.width = 32;
  m.height = 30;
  m.channels = 3;
  m.mean = {0, 0, 0}; // the output is then the pixel / 255
  m.std = {1, 1, 1};
  m.resize = mode;
  m.resize_to = 36;
  return m;
}

std::map<std::string, std::vector<float>> torchvision_crops() {
  std::ifstream in{fixtures + "expected.txt"};
  std::map<std::string, std::vector<float>> crops;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields{line};
    std::string name;
    fields >> name;
    for (float v; fields >> v;)
      crops[name].push_back(v);
  }
  return crops;
}

// Mean absolute difference in pixel levels, with fovea's crop moved `dx`
// columns (0: as made).
double mean_difference(const std::vector<float>& fovea,
                       const std::vector<float>& expected, int dx = 0) {
  double sum = 0;
  size_t count = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 30; ++y)
      for (int x = std::max(0, -dx); x < 32 - std::max(0, dx); ++x) {
        auto i = (c * 30 + y) * 32 + x;
        sum += std::abs(fovea[i + dx] * 255.0 - expected[i]);
        ++count;
      }
  return sum / count;
}

std::vector<float> run_fovea(const std::string& name, resize_mode mode) {
  auto bytes = test::read_file(fixtures + name + ".png");
  auto m = crop_manifest(mode);
  std::vector<float> out(m.input_size());
  auto err = preprocess(bytes, m, out);
  INFO(name);
  REQUIRE_FALSE(err);
  return out;
}

} // namespace

TEST_CASE("a shorter-side resize and centre crop gives torchvision's "
          "Resize + CenterCrop",
          "[unit]") {
  auto crops = torchvision_crops();
  REQUIRE(crops.size() == 4);
  for (auto& [name, expected] : crops) {
    INFO(name);
    REQUIRE(expected.size() == 3 * 30 * 32);
    auto fovea = run_fovea(name, resize_mode::shorter_side);
    auto difference = mean_difference(fovea, expected);
    CHECK(difference < 2.0);
    // The check tells a misplaced crop from scaler noise: shifted a column,
    // or stretched instead of cropped, the same crop is far off.
    CHECK(mean_difference(fovea, expected, 1) > 2 * difference);
    CHECK(mean_difference(fovea, expected, -1) > 2 * difference);
    if (name != "small") // 33x40: stretching barely changes it
      CHECK(mean_difference(run_fovea(name, resize_mode::stretch), expected) >
            3 * difference);
  }
}

TEST_CASE("a strip too long to scale to the shorter side is a bad image, "
          "not an allocation",
          "[unit]") {
  // 1 x 4000 pixels: its shorter side scaled to 36 would make 36 x 144,000.
  auto strip = test::encode(std::vector<uint8_t>(4000 * 3, 128), 1, 4000, 3);
  auto m = crop_manifest(resize_mode::shorter_side);
  std::vector<float> out(m.input_size());
  auto err = preprocess(strip, m, out, decode_limits{1 << 20});
  REQUIRE(err);
  CHECK_THAT(describe(err), Catch::Contains("image too elongated: 1x4000"));
  // Within the limit the same strip is scaled and cropped.
  CHECK_FALSE(preprocess(strip, m, out, decode_limits{64 << 20}));
}
