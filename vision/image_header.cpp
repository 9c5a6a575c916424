#include "vision/image_header.hpp"

#include <cstring>

namespace fovea {

namespace {

using bytes_view = std::span<const uint8_t>;

uint32_t big_endian(bytes_view b, size_t at, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value = (value << 8) | b[at + i];
  return value;
}

bool starts_with(bytes_view bytes, bytes_view magic) {
  return bytes.size() >= magic.size()
         && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

image_header problem(image_format format, std::string reason) {
  image_header h;
  h.format = format;
  h.problem = std::move(reason);
  return h;
}

// PNG: signature, then chunks of {length, type, data, crc}; IHDR first,
// IEND last. A chunk that runs past the end, or no IEND, is a truncation.
image_header read_png(bytes_view b) {
  constexpr auto png = image_format::png;
  size_t at = 8;
  image_header h;
  h.format = png;
  bool first = true;
  while (at + 8 <= b.size()) {
    auto length = big_endian(b, at, 4);
    if (length > 0x7fffffffu)
      return problem(png, "corrupt PNG: bad chunk length");
    auto type = b.subspan(at + 4, 4);
    auto end = at + 12 + uint64_t{length};
    if (end > b.size())
      return problem(png, "truncated PNG");
    if (first) {
      if (std::memcmp(type.data(), "IHDR", 4) != 0 || length != 13)
        return problem(png, "corrupt PNG: no IHDR header");
      h.width = big_endian(b, at + 8, 4);
      h.height = big_endian(b, at + 12, 4);
      if (h.width == 0 || h.height == 0)
        return problem(png, "corrupt PNG: zero width or height");
      first = false;
    }
    if (std::memcmp(type.data(), "IEND", 4) == 0)
      return h;
    at = static_cast<size_t>(end);
  }
  return problem(png, first ? "corrupt PNG: no IHDR header" : "truncated PNG");
}

bool is_frame_header(uint8_t marker) {
  // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8
         && marker != 0xcc;
}

// JPEG: SOI, then marker segments up to the first scan (SOS); the frame
// header (SOFn) gives the size. The entropy-coded data after SOS escapes
// every 0xFF, so an FF D9 after it is the real end of image (EOI): without
// one the file was cut short.
image_header read_jpeg(bytes_view b) {
  constexpr auto jpeg = image_format::jpeg;
  image_header h;
  h.format = jpeg;
  bool have_frame = false;
  size_t at = 2;
  for (;;) {
    while (at < b.size() && b[at] == 0xff && at + 1 < b.size()
           && b[at + 1] == 0xff)
      ++at; // fill bytes
    if (at + 2 > b.size())
      return problem(jpeg, "truncated JPEG");
    if (b[at] != 0xff)
      return problem(jpeg, "corrupt JPEG: marker expected");
    auto marker = b[at + 1];
    at += 2;
    if (marker == 0xd9)
      return problem(jpeg, "corrupt JPEG: no image data");
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
      continue; // markers without a segment
    if (at + 2 > b.size())
      return problem(jpeg, "truncated JPEG");
    auto length = big_endian(b, at, 2);
    if (length < 2)
      return problem(jpeg, "corrupt JPEG: bad segment length");
    if (at + length > b.size())
      return problem(jpeg, "truncated JPEG");
    if (is_frame_header(marker)) {
      if (length < 7)
        return problem(jpeg, "corrupt JPEG: short frame header");
      h.height = big_endian(b, at + 3, 2);
      h.width = big_endian(b, at + 5, 2);
      if (h.width == 0 || h.height == 0)
        return problem(jpeg, "corrupt JPEG: zero width or height");
      have_frame = true;
    }
    at += length;
    if (marker == 0xda) {
      if (!have_frame)
        return problem(jpeg, "corrupt JPEG: scan before frame header");
      for (size_t i = at; i + 1 < b.size(); ++i)
        if (b[i] == 0xff && b[i + 1] == 0xd9)
          return h;
      return problem(jpeg, "truncated JPEG");
    }
  }
}

} // namespace

image_header read_image_header(std::span<const uint8_t> bytes) {
  static constexpr uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static constexpr uint8_t jpeg[] = {0xff, 0xd8, 0xff};
  if (bytes.empty())
    return problem(image_format::png, "empty file");
  if (starts_with(bytes, png))
    return read_png(bytes);
  if (starts_with(bytes, jpeg))
    return read_jpeg(bytes);
  return problem(image_format::png, "not a PNG or JPEG file");
}

} // namespace fovea
