// Reading an image's header and structure without decoding it: sizes come
// from the header, and every truncation is caught, wherever the cut falls.
#include <catch2/catch.hpp>

#include "tests/support/hostile_images.hpp"
#include "tests/support/images.hpp"
#include "vision/image_header.hpp"

using namespace fovea;

TEST_CASE("whole PNG and JPEG files give their format and size", "[unit]") {
  auto png = read_image_header(test::encode(std::vector<uint8_t>(5 * 3), 5, 3, 1));
  CHECK(png.problem == "");
  CHECK(png.format == image_format::png);
  CHECK(png.width == 5);
  CHECK(png.height == 3);
  auto jpeg = read_image_header(test::gradient_jpeg());
  CHECK(jpeg.problem == "");
  CHECK(jpeg.format == image_format::jpeg);
  CHECK(jpeg.width == 64);
  CHECK(jpeg.height == 64);
}

TEST_CASE("a header's claimed size is read without touching pixel data",
          "[unit]") {
  auto h = read_image_header(test::png_claiming(100000, 100000));
  CHECK(h.problem == "");
  CHECK(h.pixels() == 10'000'000'000ull);
}

TEST_CASE("every cut of a PNG or a JPEG is reported, never accepted",
          "[unit]") {
  for (auto& whole : {test::pattern_png(7), test::gradient_jpeg()}) {
    REQUIRE(read_image_header(whole).problem == "");
    for (size_t keep = 0; keep < whole.size(); ++keep) {
      std::span<const uint8_t> part{whole.data(), keep};
      auto h = read_image_header(part);
      INFO("kept " << keep << " of " << whole.size() << " bytes");
      CHECK(h.problem != "");
    }
  }
}

TEST_CASE("each hostile input gets its own short reason", "[unit]") {
  for (auto& input : test::hostile_inputs()) {
    if (input.reason == "image too large")
      continue; // a whole file: refused by the pixel limit, not here
    INFO(input.name);
    auto h = read_image_header(input.bytes);
    CHECK(h.problem.find(input.reason) != std::string::npos);
  }
}

TEST_CASE("the test fixture's streamed grey PNG is a real, whole PNG",
          "[unit]") {
  auto png = test::grey_png(30, 20);
  auto h = read_image_header(png);
  CHECK(h.problem == "");
  CHECK(h.width == 30);
  CHECK(h.height == 20);
  CHECK(read_image_header(test::grey_png(16384, 16384)).pixels()
        == 268435456ull);
}
