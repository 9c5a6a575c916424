#include "tests/support/hostile_images.hpp"

#include <zlib.h>

#include "tests/support/images.hpp"

namespace fovea::test {

namespace {

void put_big_endian(std::vector<uint8_t>& b, size_t at, uint32_t value) {
  for (int i = 3; i >= 0; --i, value >>= 8)
    b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(value & 0xff);
}

std::vector<uint8_t> cut(const std::vector<uint8_t>& bytes, size_t keep) {
  return {bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(keep)};
}

} // namespace

std::vector<uint8_t> png_claiming(uint32_t width, uint32_t height) {
  auto png = pattern_png(0);
  // IHDR's data starts at 16 (8 signature, 4 length, 4 type); its CRC
  // covers type and data (17 bytes) and sits right after them.
  put_big_endian(png, 16, width);
  put_big_endian(png, 20, height);
  auto crc = ::crc32(0, png.data() + 12, 17);
  put_big_endian(png, 29, static_cast<uint32_t>(crc));
  return png;
}

static void put_chunk(std::vector<uint8_t>& png, const char* type,
                      const std::vector<uint8_t>& data) {
  auto at = png.size();
  png.resize(at + 4);
  put_big_endian(png, at, static_cast<uint32_t>(data.size()));
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  auto crc = ::crc32(0, png.data() + at + 4, static_cast<uInt>(data.size() + 4));
  png.resize(png.size() + 4);
  put_big_endian(png, png.size() - 4, static_cast<uint32_t>(crc));
}

std::vector<uint8_t> grey_png(uint32_t width, uint32_t height) {
  std::vector<uint8_t> header(13, 0);
  put_big_endian(header, 0, width);
  put_big_endian(header, 4, height);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  // Deflate row by row: filter byte 0, then the pixels.
  std::vector<uint8_t> row(width + 1, 0x80);
  row[0] = 0;
  std::vector<uint8_t> idat;
  z_stream z{};
  deflateInit(&z, 9);
  std::vector<uint8_t> buffer(1 << 16);
  for (uint32_t y = 0; y <= height; ++y) {
    bool last = y == height;
    z.next_in = last ? nullptr : row.data();
    z.avail_in = last ? 0 : static_cast<uInt>(row.size());
    do {
      z.next_out = buffer.data();
      z.avail_out = static_cast<uInt>(buffer.size());
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      idat.insert(idat.end(), buffer.data(),
                  buffer.data() + (buffer.size() - z.avail_out));
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", idat);
  put_chunk(png, "IEND", {});
  return png;
}

std::vector<uint8_t> gradient_jpeg() {
  std::vector<uint8_t> pixels(64 * 64 * 3);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>((i * 7) % 251);
  return encode(pixels, 64, 64, 3, ".jpg");
}

std::vector<hostile_input> hostile_inputs() {
  auto png = pattern_png(3);
  auto jpeg = gradient_jpeg();
  std::vector<uint8_t> binary(300);
  for (size_t i = 0; i < binary.size(); ++i)
    binary[i] = static_cast<uint8_t>(i * 37 + 11);
  return {
    {"empty.png", {}, "empty file"},
    {"text.png", {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'},
     "not a PNG or JPEG file"},
    {"binary.jpg", binary, "not a PNG or JPEG file"},
    {"truncated.jpg", cut(jpeg, jpeg.size() * 2 / 3), "truncated JPEG"},
    {"truncated-header.jpg", cut(jpeg, 40), "truncated JPEG"},
    {"truncated.png", cut(png, png.size() - 20), "truncated PNG"},
    {"signature-only.png", cut(png, 8), "corrupt PNG"},
    {"huge.png", png_claiming(100000, 100000), "image too large"},
  };
}

} // namespace fovea::test
