// What an encoded image says about itself, read before anything decodes it.
//
// Decoders are lenient where fovea must be strict: OpenCV turns a truncated
// JPEG into a partly grey picture with only a warning on stderr, and a tiny
// PNG whose header claims 100000x100000 pixels makes it allocate for them.
// So the bytes are checked first, without decoding: the format by its magic
// bytes (PNG and JPEG only, on purpose), the size from the header, and the
// file's end (PNG's IEND chunk, JPEG's EOI marker) to catch truncation.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace fovea {

enum class image_format { png, jpeg };

struct image_header {
  image_format format = image_format::png;
  uint32_t width = 0;
  uint32_t height = 0;
  /// Empty if the bytes are a whole PNG or JPEG; otherwise a short reason
  /// for the result row ("truncated JPEG", "not a PNG or JPEG file", ...).
  std::string problem;

  uint64_t pixels() const noexcept { return uint64_t{width} * height; }
};

/// Reads the header and structure of `bytes`. Never throws, never reads past
/// the span, and does no work proportional to the claimed image size.
image_header read_image_header(std::span<const uint8_t> bytes);

} // namespace fovea
