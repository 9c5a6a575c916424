#include "vision/plain_png.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <libdeflate.h>

namespace fovea {

namespace {

uint32_t big_endian(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8
         | uint32_t{p[3]};
}

// Ancillary chunks that change no pixel of what imdecode returns, and that
// libpng reads without decompressing anything. Any other (tRNS, gAMA, sRGB,
// iCCP, sBIT, compressed text, ...) sends the image to OpenCV, whose
// handling of it is then the one that counts.
bool harmless(std::string_view type) {
  return type == "tEXt" || type == "tIME" || type == "pHYs";
}

uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = int{a} + b - c;
  int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc)
    return a;
  return pb <= pc ? b : c;
}

// Undoes PNG's per-row filters in place: `data` holds `rows` rows of a
// filter byte followed by `stride` bytes; `bpp` bytes make one pixel.
bool unfilter(uint8_t* data, size_t rows, size_t stride, size_t bpp) {
  const uint8_t* prev = nullptr; // the row above, unfiltered
  for (size_t y = 0; y < rows; ++y) {
    uint8_t* row = data + y * (stride + 1);
    const uint8_t filter = row[0];
    uint8_t* x = row + 1;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (size_t i = bpp; i < stride; ++i)
          x[i] = static_cast<uint8_t>(x[i] + x[i - bpp]);
        break;
      case 2:
        if (prev)
          for (size_t i = 0; i < stride; ++i)
            x[i] = static_cast<uint8_t>(x[i] + prev[i]);
        break;
      case 3:
        for (size_t i = 0; i < stride; ++i) {
          unsigned left = i >= bpp ? x[i - bpp] : 0;
          unsigned up = prev ? prev[i] : 0;
          x[i] = static_cast<uint8_t>(x[i] + ((left + up) >> 1));
        }
        break;
      case 4:
        for (size_t i = 0; i < stride; ++i) {
          uint8_t left = i >= bpp ? x[i - bpp] : 0;
          uint8_t up = prev ? prev[i] : 0;
          uint8_t corner = prev && i >= bpp ? prev[i - bpp] : 0;
          x[i] = static_cast<uint8_t>(x[i] + paeth(left, up, corner));
        }
        break;
      default:
        return false; // libpng: "bad adaptive filter value"
    }
    prev = x;
  }
  return true;
}

// The largest inflated image (filter bytes included) decoded here.
constexpr uint64_t max_plain_bytes = 1 << 20;

struct decompressor_deleter {
  void operator()(libdeflate_decompressor* d) const {
    libdeflate_free_decompressor(d);
  }
};

// One per decoding thread, kept: allocating it costs more than a small
// image's whole inflate.
libdeflate_decompressor* thread_decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, decompressor_deleter>
    d{libdeflate_alloc_decompressor()};
  return d.get();
}

} // namespace

bool decode_plain_png(std::span<const uint8_t> bytes, int channels,
                      cv::Mat& out) {
  static constexpr uint8_t signature[8] = {0x89, 'P', 'N', 'G',
                                           '\r', '\n', 0x1a, '\n'};
  if ((channels != 1 && channels != 3) || bytes.size() < 8 + 25
      || std::memcmp(bytes.data(), signature, 8) != 0)
    return false;
  uint32_t width = 0, height = 0;
  // The IDAT chunks' data: a view of the one chunk, or gathered if several.
  std::span<const uint8_t> compressed;
  std::vector<uint8_t> gathered; // rare: small images have one IDAT
  bool seen_idat = false, idat_ended = false, seen_iend = false;
  size_t at = 8;
  for (bool first = true; !seen_iend; first = false) {
    if (bytes.size() - at < 12)
      return false;
    const uint32_t length = big_endian(&bytes[at]);
    if (length > bytes.size() - at - 12)
      return false;
    const auto* type = &bytes[at + 4];
    const auto* data = type + 4;
    const std::string_view name{reinterpret_cast<const char*>(type), 4};
    const uint32_t crc = big_endian(data + length);
    if (libdeflate_crc32(0, type, length + 4) != crc)
      return false;
    if (first != (name == "IHDR"))
      return false;
    if (name == "IHDR") {
      if (length != 13)
        return false;
      width = big_endian(data);
      height = big_endian(data + 4);
      const uint8_t depth = data[8], colour = data[9];
      const uint8_t compression = data[10], filter = data[11],
                    interlace = data[12];
      if (width == 0 || height == 0 || width > 0x7fffffff
          || height > 0x7fffffff || depth != 8
          || colour != (channels == 1 ? 0 : 2) || compression != 0
          || filter != 0 || interlace != 0)
        return false;
    } else if (name == "IDAT") {
      if (idat_ended)
        return false; // IDATs must be consecutive
      if (!seen_idat) {
        compressed = {data, length};
      } else {
        if (gathered.empty())
          gathered.assign(compressed.begin(), compressed.end());
        gathered.insert(gathered.end(), data, data + length);
        compressed = gathered;
      }
      seen_idat = true;
    } else if (name == "IEND") {
      if (length != 0)
        return false;
      seen_iend = true;
    } else if (!harmless(name)) {
      return false;
    }
    if (seen_idat && name != "IDAT")
      idat_ended = true;
    at += 12 + size_t{length};
  }
  if (!seen_idat)
    return false;
  // Large images go to OpenCV: their decode is dwarfed by their model, and
  // the buffer each decoding thread keeps stays small.
  const uint64_t stride = uint64_t{width} * static_cast<unsigned>(channels);
  const uint64_t expected = (stride + 1) * height;
  if (expected > max_plain_bytes)
    return false;
  // libpng inflates within the window the zlib header declares and rejects
  // a stream that reaches further back; libdeflate always allows 32 KiB.
  // They agree when the window is 32 KiB or covers the whole image (as
  // libpng's encoder declares for small ones: 1 KiB for 28x28).
  if (compressed.size() < 2)
    return false;
  const uint64_t window = uint64_t{1} << ((compressed[0] >> 4) + 8);
  if (window < 32768 && expected > window)
    return false;
  thread_local std::vector<uint8_t> inflated;
  inflated.resize(expected);
  size_t produced = 0;
  auto result = libdeflate_zlib_decompress(
    thread_decompressor(), compressed.data(), compressed.size(),
    inflated.data(), expected, &produced);
  if (result != LIBDEFLATE_SUCCESS || produced != expected)
    return false;
  if (!unfilter(inflated.data(), height, stride, channels))
    return false;
  cv::Mat image(static_cast<int>(height), static_cast<int>(width),
                channels == 1 ? CV_8UC1 : CV_8UC3);
  for (size_t y = 0; y < height; ++y) {
    const uint8_t* source = inflated.data() + y * (stride + 1) + 1;
    auto* target = image.ptr<uint8_t>(static_cast<int>(y));
    if (channels == 1) {
      std::memcpy(target, source, stride);
    } else {
      for (size_t x = 0; x < width; ++x) { // RGB -> OpenCV's BGR
        target[3 * x] = source[3 * x + 2];
        target[3 * x + 1] = source[3 * x + 1];
        target[3 * x + 2] = source[3 * x];
      }
    }
  }
  out = std::move(image);
  return true;
}

} // namespace fovea
