// The plain PNG path decodes exactly what OpenCV decodes, and leaves to
// OpenCV every PNG it does not fully understand. PNGs are built here by
// hand (zlib, CRCs) so that every filter type, split IDATs and each flaw
// appear on purpose, not as an encoder happens to choose.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include "tests/support/images.hpp"
#include "vision/plain_png.hpp"

using namespace fovea;

namespace {

using chunk = std::pair<std::string, std::vector<uint8_t>>;

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_chunk(std::vector<uint8_t>& out, const chunk& c) {
  put32(out, static_cast<uint32_t>(c.second.size()));
  std::vector<uint8_t> typed(c.first.begin(), c.first.end());
  typed.insert(typed.end(), c.second.begin(), c.second.end());
  out.insert(out.end(), typed.begin(), typed.end());
  put32(out, static_cast<uint32_t>(crc32(0, typed.data(),
                                         static_cast<uInt>(typed.size()))));
}

uint8_t paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b),
      pc = std::abs(p - c);
  return static_cast<uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

struct png_spec {
  int width = 7, height = 5, channels = 1;
  std::vector<uint8_t> filters{0}; ///< row y uses filters[y % size]
  int idat_parts = 1;
  std::vector<chunk> before_idat; ///< extra chunks after IHDR
  std::vector<chunk> between_idats; ///< after the first IDAT part
  uint8_t depth = 8, colour = 255, interlace = 0; ///< colour 255: by channels
  int extra_rows = 0; ///< rows of data beyond the height (negative: fewer)
  std::vector<uint8_t> iend; ///< IEND's data (a valid one has none)
  int window_bits = 15;      ///< zlib's; the header declares the window
};

uint8_t pixel(int x, int y, int c) {
  return static_cast<uint8_t>((x * 37 + y * 101 + c * 53 + x * y * 7) & 0xff);
}

// The image's rows, filtered as the spec says, then zlib'd.
std::vector<uint8_t> idat_data(const png_spec& s) {
  const int bpp = s.channels, stride = s.width * bpp;
  std::vector<uint8_t> raw;
  std::vector<uint8_t> prev(stride, 0), row(stride);
  for (int y = 0; y < s.height + s.extra_rows; ++y) {
    for (int x = 0; x < s.width; ++x)
      for (int c = 0; c < bpp; ++c)
        row[x * bpp + c] = pixel(x, y, c);
    auto filter = s.filters[y % s.filters.size()];
    raw.push_back(filter);
    for (int i = 0; i < stride; ++i) {
      int left = i >= bpp ? row[i - bpp] : 0, up = prev[i],
          corner = i >= bpp ? prev[i - bpp] : 0;
      int predicted = filter == 1   ? left
                      : filter == 2 ? up
                      : filter == 3 ? (left + up) / 2
                      : filter == 4 ? paeth(left, up, corner)
                                    : 0;
      raw.push_back(static_cast<uint8_t>(row[i] - predicted));
    }
    prev = row;
  }
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, s.window_bits, 9,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::vector<uint8_t> out(deflateBound(&z, static_cast<uLong>(raw.size())));
  z.next_in = raw.data();
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<uint8_t> make_png(const png_spec& s) {
  std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put32(ihdr, static_cast<uint32_t>(s.width));
  put32(ihdr, static_cast<uint32_t>(s.height));
  uint8_t colour = s.colour != 255 ? s.colour : s.channels == 1 ? 0 : 2;
  ihdr.insert(ihdr.end(), {s.depth, colour, 0, 0, s.interlace});
  put_chunk(png, {"IHDR", ihdr});
  for (auto& c : s.before_idat)
    put_chunk(png, c);
  auto data = idat_data(s);
  size_t part = (data.size() + s.idat_parts - 1) / s.idat_parts;
  for (size_t at = 0, n = 0; at < data.size(); at += part, ++n) {
    put_chunk(png, {"IDAT", {data.begin() + at,
                             data.begin() + std::min(data.size(), at + part)}});
    if (n == 0)
      for (auto& c : s.between_idats)
        put_chunk(png, c);
  }
  put_chunk(png, {"IEND", s.iend});
  return png;
}

cv::Mat opencv_decode(const std::vector<uint8_t>& png, int channels) {
  return cv::imdecode(png, channels == 1 ? cv::IMREAD_GRAYSCALE
                                         : cv::IMREAD_COLOR);
}

void require_same_as_opencv(const std::vector<uint8_t>& png, int channels) {
  cv::Mat fast;
  REQUIRE(decode_plain_png(png, channels, fast));
  auto slow = opencv_decode(png, channels);
  REQUIRE_FALSE(slow.empty());
  REQUIRE(fast.size() == slow.size());
  REQUIRE(fast.type() == slow.type());
  CHECK(cv::norm(fast, slow, cv::NORM_INF) == 0);
}

bool plain(const std::vector<uint8_t>& png, int channels) {
  cv::Mat out;
  return decode_plain_png(png, channels, out);
}

} // namespace

TEST_CASE("every PNG filter, grey and colour, decodes to OpenCV's pixels",
          "[unit]") {
  auto channels = GENERATE(1, 3);
  auto filters = GENERATE(std::vector<uint8_t>{0}, std::vector<uint8_t>{1},
                          std::vector<uint8_t>{2}, std::vector<uint8_t>{3},
                          std::vector<uint8_t>{4},
                          std::vector<uint8_t>{4, 0, 3, 1, 2});
  auto [width, height] = GENERATE(std::pair{1, 1}, std::pair{7, 5},
                                  std::pair{28, 28});
  INFO("channels " << channels << ", filter " << int{filters.front()} << ", "
                   << width << "x" << height);
  png_spec s;
  s.channels = channels;
  s.filters = filters;
  s.width = width;
  s.height = height;
  require_same_as_opencv(make_png(s), channels);
}

TEST_CASE("split IDATs and text chunks decode, while colour management and "
          "transparency go to OpenCV", "[unit]") {
  png_spec s;
  s.filters = {4, 1};
  s.idat_parts = 3;
  s.before_idat = {{"tEXt", {'a', 0, 'b'}}, {"pHYs", std::vector<uint8_t>(9)}};
  require_same_as_opencv(make_png(s), 1);
  for (auto type : {"gAMA", "sRGB", "tRNS", "iCCP", "sBIT", "zTXt", "zzZz"}) {
    INFO(type);
    png_spec t;
    t.before_idat = {{type, {0, 0, 0, 1}}};
    CHECK_FALSE(plain(make_png(t), 1));
  }
}

TEST_CASE("a PNG the plain path does not take is left to OpenCV", "[unit]") {
  png_spec grey;
  CHECK_FALSE(plain(make_png(grey), 3)); // the model wants colour
  png_spec rgb;
  rgb.channels = 3;
  CHECK_FALSE(plain(make_png(rgb), 1)); // the model wants grey
  png_spec interlaced;
  interlaced.interlace = 1;
  CHECK_FALSE(plain(make_png(interlaced), 1));
  png_spec sixteen;
  sixteen.depth = 16;
  CHECK_FALSE(plain(make_png(sixteen), 1));
  png_spec palette;
  palette.colour = 3;
  CHECK_FALSE(plain(make_png(palette), 1));
  png_spec small_window; // 512 bytes declared, 812 to inflate
  small_window.width = small_window.height = 28;
  small_window.window_bits = 9;
  CHECK_FALSE(plain(make_png(small_window), 1));
  png_spec covering_window; // 512 bytes declared, 40 to inflate
  covering_window.window_bits = 9;
  covering_window.filters = {4, 2};
  require_same_as_opencv(make_png(covering_window), 1);
  png_spec large; // over 1 MiB of pixels: OpenCV's
  large.width = 1100;
  large.height = 1000;
  auto png = make_png(large);
  CHECK_FALSE(plain(png, 1));
  CHECK_FALSE(opencv_decode(png, 1).empty());
}

TEST_CASE("a flawed PNG is never decoded by the plain path", "[unit]") {
  png_spec s;
  s.filters = {2, 4};
  auto good = make_png(s);
  REQUIRE(plain(good, 1));
  SECTION("a flipped byte (the CRC no longer matches)") {
    for (size_t at = 8; at < good.size(); ++at) {
      auto bad = good;
      bad[at] ^= 0x10;
      INFO("byte " << at);
      cv::Mat out;
      if (decode_plain_png(bad, 1, out)) {
        // Only a flip in a length that still parses could be taken; it
        // must then be the same picture OpenCV sees.
        auto slow = opencv_decode(bad, 1);
        REQUIRE_FALSE(slow.empty());
        CHECK(cv::norm(out, slow, cv::NORM_INF) == 0);
      }
    }
  }
  SECTION("an unknown filter type") {
    png_spec f;
    f.filters = {5};
    CHECK_FALSE(plain(make_png(f), 1));
  }
  SECTION("more image data than the header's rows") {
    png_spec f;
    f.extra_rows = 1;
    CHECK_FALSE(plain(make_png(f), 1));
  }
  SECTION("less image data than the header's rows") {
    png_spec f;
    f.extra_rows = -1;
    CHECK_FALSE(plain(make_png(f), 1));
  }
  SECTION("an IEND with data") {
    png_spec f;
    f.iend = {0};
    CHECK_FALSE(plain(make_png(f), 1));
  }
  SECTION("IDATs that are not consecutive") {
    png_spec f;
    f.idat_parts = 2;
    f.between_idats = {{"tEXt", {'a', 0, 'b'}}};
    CHECK_FALSE(plain(make_png(f), 1));
  }
  SECTION("cut anywhere") {
    for (size_t size = 0; size < good.size(); ++size) {
      INFO("first " << size << " bytes");
      CHECK_FALSE(plain({good.begin(), good.begin() + size}, 1));
    }
  }
}

TEST_CASE("the PNGs OpenCV writes take the plain path, with its pixels",
          "[unit]") {
  for (int channels : {1, 3})
    for (int seed = 0; seed < 10; ++seed) {
      INFO("channels " << channels << ", seed " << seed);
      const int width = 17 + seed, height = 9 + 2 * seed;
      std::vector<uint8_t> pixels(size_t(width) * height * channels);
      for (size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = static_cast<uint8_t>((i * 7 + seed * 31 + i / 13) % 256);
      require_same_as_opencv(test::encode(pixels, width, height, channels),
                             channels);
    }
}
