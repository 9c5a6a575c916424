// Broken and unusual image files, made honestly from real encodings: each is
// what a camera archive or a scraped catalogue really contains now and then.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea::test {

struct hostile_input {
  std::string name;          ///< file name, with the extension it pretends
  std::vector<uint8_t> bytes;
  std::string reason;        ///< what its error row must say
};

/// Inputs that must each become an error row with `reason`.
std::vector<hostile_input> hostile_inputs();

/// A valid PNG whose header claims width x height (CRC fixed up), with
/// only a few bytes of pixel data: decoding it would allocate the lot.
std::vector<uint8_t> png_claiming(uint32_t width, uint32_t height);

/// A real, valid grayscale PNG of width x height mid-grey pixels: tiny on
/// disk, but slow to decode when large (a 16384x16384 one takes seconds),
/// like an input that makes every worker it reaches time out.
std::vector<uint8_t> grey_png(uint32_t width, uint32_t height);

/// A JPEG of a smooth 64x64 gradient (long enough to cut meaningfully).
std::vector<uint8_t> gradient_jpeg();

} // namespace fovea::test
