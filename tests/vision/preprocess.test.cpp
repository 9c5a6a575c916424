// Image bytes -> model input, as the manifest says: known images give known
// tensors, every colour layout is converted, and non-images are refused
// with a reason.
#include <catch2/catch.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "messages/errors.hpp"
#include "tests/support/hostile_images.hpp"
#include "tests/support/images.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;


namespace {

model_manifest manifest(int width, int height, int channels, float mean,
                        float std) {
  model_manifest m;
  m.name = "test";
  m.version = "1";
  m.width = width;
  m.height = height;
  m.channels = channels;
  m.mean.assign(channels, mean);
  m.std.assign(channels, std);
  return m;
}

std::vector<float> run(const std::vector<uint8_t>& bytes,
                       const model_manifest& m) {
  std::vector<float> out(m.input_size());
  auto err = preprocess(bytes, m, out);
  INFO(describe(err));
  REQUIRE_FALSE(err);
  return out;
}

} // namespace

TEST_CASE("a known grayscale PNG becomes a known tensor", "[unit]") {
  auto png = test::encode({0, 255, 51, 102}, 2, 2, 1);
  auto out = run(png, manifest(2, 2, 1, 0.5f, 0.25f));
  // (v / 255 - 0.5) / 0.25
  REQUIRE(out.size() == 4);
  CHECK(out[0] == Approx(-2.0f));
  CHECK(out[1] == Approx(2.0f));
  CHECK(out[2] == Approx(-1.2f));
  CHECK(out[3] == Approx(-0.4f));
}

TEST_CASE("colour layouts are converted to what the model expects",
          "[unit]") {
  SECTION("a BGR file becomes RGB planes (CHW)") {
    // One pixel: B=0, G=128, R=255 in OpenCV's order.
    auto out = run(test::encode({0, 128, 255}, 1, 1, 3),
                   manifest(1, 1, 3, 0.0f, 1.0f));
    CHECK(out[0] == Approx(1.0f));          // R plane
    CHECK(out[1] == Approx(128 / 255.0f)); // G plane
    CHECK(out[2] == Approx(0.0f));          // B plane
  }
  SECTION("an RGBA PNG loses its alpha channel") {
    auto out = run(test::encode({0, 0, 255, 7}, 1, 1, 4),
                   manifest(1, 1, 3, 0.0f, 1.0f));
    CHECK(out[0] == Approx(1.0f));
    CHECK(out[2] == Approx(0.0f));
  }
  SECTION("a colour file for a grayscale model is converted to gray") {
    auto out = run(test::encode({255, 255, 255}, 1, 1, 3),
                   manifest(1, 1, 1, 0.0f, 1.0f));
    CHECK(out[0] == Approx(1.0f));
  }
  SECTION("a grayscale file for a colour model fills all three planes") {
    auto out = run(test::encode({51}, 1, 1, 1), manifest(1, 1, 3, 0.0f, 1.0f));
    CHECK(out[0] == Approx(0.2f));
    CHECK(out[1] == Approx(0.2f));
    CHECK(out[2] == Approx(0.2f));
  }
  SECTION("a 16-bit PNG is scaled to 8 bits") {
    cv::Mat wide(1, 2, CV_16UC1);
    wide.at<uint16_t>(0, 0) = 0;
    wide.at<uint16_t>(0, 1) = 65535;
    std::vector<uint8_t> png;
    cv::imencode(".png", wide, png);
    auto out = run(png, manifest(2, 1, 1, 0.0f, 1.0f));
    CHECK(out[0] == Approx(0.0f));
    CHECK(out[1] == Approx(1.0f));
  }
  SECTION("a JPEG decodes too") {
    std::vector<uint8_t> gray(16 * 16, 200);
    auto out = run(test::encode(gray, 16, 16, 1, ".jpg"),
                   manifest(16, 16, 1, 0.0f, 1.0f));
    CHECK(out[0] == Approx(200 / 255.0f).margin(0.02));
  }
}

TEST_CASE("larger images are resized to the manifest's size", "[unit]") {
  // 4x4 of four constant 2x2 blocks shrinks to those four values.
  std::vector<uint8_t> pixels = {10, 10, 20, 20, 10, 10, 20, 20,
                                 30, 30, 40, 40, 30, 30, 40, 40};
  auto out = run(test::encode(pixels, 4, 4, 1), manifest(2, 2, 1, 0.0f, 1.0f));
  CHECK(out[0] == Approx(10 / 255.0f));
  CHECK(out[1] == Approx(20 / 255.0f));
  CHECK(out[2] == Approx(30 / 255.0f));
  CHECK(out[3] == Approx(40 / 255.0f));
}

TEST_CASE("bytes that are not a usable image become a bad_image reason",
          "[unit]") {
  auto m = manifest(28, 28, 1, 0.0f, 1.0f);
  std::vector<float> out(m.input_size());
  for (auto& input : test::hostile_inputs()) {
    INFO(input.name);
    auto err = preprocess(input.bytes, m, out);
    REQUIRE(err);
    CHECK(err.category() == error_category);
    CHECK(describe(err).find(input.reason) != std::string::npos);
  }
}

TEST_CASE("the pixel limit is checked from the header, before decoding",
          "[unit]") {
  auto m = manifest(28, 28, 1, 0.0f, 1.0f);
  std::vector<float> out(m.input_size());
  auto png = test::pattern_png(2); // 28 x 28 = 784 pixels
  CHECK_FALSE(preprocess(png, m, out, decode_limits{784}));
  auto err = preprocess(png, m, out, decode_limits{783});
  CHECK(describe(err).find("image too large: 28x28 pixels (limit 783)")
        != std::string::npos);
}

TEST_CASE("a CMYK JPEG is converted to RGB, not refused", "[unit]") {
  auto jpeg = test::read_file(std::string{FOVEA_SOURCE_DIR}
                              + "/tests/fixtures/cmyk-red-white.jpg");
  REQUIRE(jpeg.size() == 362);
  auto out = run(jpeg, manifest(16, 8, 3, 0.0f, 1.0f));
  const size_t plane = 16 * 8;
  // Left half red, right half white, give or take JPEG's rounding.
  CHECK(out[0] == Approx(1.0f).margin(0.03));         // R, left
  CHECK(out[plane] == Approx(0.0f).margin(0.03));     // G, left
  CHECK(out[2 * plane] == Approx(0.0f).margin(0.03)); // B, left
  CHECK(out[15] == Approx(1.0f).margin(0.03));         // R, right
  CHECK(out[plane + 15] == Approx(1.0f).margin(0.03)); // G, right
  CHECK(out[2 * plane + 15] == Approx(1.0f).margin(0.03));
}
