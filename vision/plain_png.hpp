// decode_plain_png: the PNGs fovea meets most, decoded without OpenCV.
//
// Guarantees:
// - it returns true only for a "plain" PNG: 8-bit, grey (channels 1) or RGB
//   (channels 3) to match the model, at most 1 MiB of pixels (larger ones'
//   decoding is small beside their model), not interlaced, every chunk's
//   CRC right,
//   no chunk but IHDR, IDAT, an empty IEND and the ones that change no pixel
//   (tEXt, tIME, pHYs), a zlib window of 32 KiB or the whole image; and
//   then `out` holds exactly the pixels OpenCV's
//   imdecode would (a PNG's pixels are fixed by the format: nothing to
//   choose), in OpenCV's layout (CV_8UC1, or CV_8UC3 as BGR);
// - anything else, or anything wrong (a bad CRC, a short or long zlib
//   stream, an unknown filter), returns false with `out` untouched, and the
//   caller decodes with OpenCV, which accepts or rejects the file exactly as
//   it did before this path existed.
//
// Why: a Fashion-MNIST image (28x28 grey, ~600 bytes) took 11-12 us through
// cv::imdecode and 5 us here (libdeflate inflates about twice as fast as
// zlib, and there is no codec lookup, no libpng state, no allocation but the
// image), measured over the 10,000 test PNGs; once the model runs the
// optimized graph, decoding is a few per cent of a worker's CPU.
#pragma once

#include <cstdint>
#include <span>

#include <opencv2/core/mat.hpp>

namespace fovea {

/// Decodes `bytes` into `out` if it is a plain PNG with `channels` channels
/// (1 or 3); false otherwise (then decode with OpenCV).
bool decode_plain_png(std::span<const uint8_t> bytes, int channels,
                      cv::Mat& out);

} // namespace fovea
