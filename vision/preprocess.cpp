#include "vision/preprocess.hpp"

#include <array>
#include <cmath>
#include <new>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "messages/errors.hpp"
#include "vision/image_codecs.hpp"
#include "vision/image_header.hpp"
#include "vision/plain_png.hpp"

namespace fovea {

namespace {

caf::error bad_image(std::string reason) {
  return make_error(errc::bad_image, std::move(reason));
}

// Scales `image` to `size`: area averaging when it shrinks (no aliasing),
// bilinear when it grows.
void scale(cv::Mat& image, cv::Size size) {
  if (image.size() == size)
    return;
  auto shrinking = image.cols > size.width || image.rows > size.height;
  cv::resize(image, image, size, 0, 0,
             shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
}

// torchvision's Resize(resize_to) then CenterCrop((height, width)): the
// shorter side becomes resize_to, the longer int(resize_to * long / short),
// and the crop starts at round((side - crop) / 2), Python rounding half to
// even. An error if the scaled image would exceed the pixel limit (a
// 1 x 60000 strip, say).
caf::error scale_and_crop(cv::Mat& image, const model_manifest& m,
                          const decode_limits& limits) {
  const bool portrait = image.cols <= image.rows;
  const double shorter = portrait ? image.cols : image.rows;
  const double longer = portrait ? image.rows : image.cols;
  const auto scaled_long = static_cast<int64_t>(m.resize_to * longer / shorter);
  if (static_cast<uint64_t>(scaled_long) * m.resize_to > limits.max_pixels)
    return bad_image("image too elongated: " + std::to_string(image.cols) +
                     "x" + std::to_string(image.rows) +
                     " scaled to a shorter side of " +
                     std::to_string(m.resize_to) + " exceeds the pixel limit");
  cv::Size size = portrait
                      ? cv::Size(m.resize_to, static_cast<int>(scaled_long))
                      : cv::Size(static_cast<int>(scaled_long), m.resize_to);
  scale(image, size);
  auto top = static_cast<int>(std::nearbyint((size.height - m.height) / 2.0));
  auto left = static_cast<int>(std::nearbyint((size.width - m.width) / 2.0));
  image = image(cv::Rect{left, top, m.width, m.height});
  return caf::none;
}

} // namespace

caf::error preprocess(std::span<const uint8_t> bytes, const model_manifest& m,
                      std::span<float> out, const decode_limits& limits) {
  if (out.size() != m.input_size())
    return make_error(errc::invalid_request, "output buffer of wrong size");
  // Only whole PNG and JPEG files of a sane size reach OpenCV, whatever the
  // file's name says: it would otherwise try every codec it was built with,
  // grey out truncations, and allocate whatever a header claims.
  auto header = read_image_header(bytes);
  if (!header.problem.empty())
    return bad_image(header.problem);
  if (header.pixels() > limits.max_pixels)
    return bad_image("image too large: " + std::to_string(header.width) + "x"
                     + std::to_string(header.height) + " pixels (limit "
                     + std::to_string(limits.max_pixels) + ")");
  cv::Mat image;
  try {
    if (header.format != image_format::png
        || !decode_plain_png(bytes, m.channels, image)) {
      auto opencv = codecs();
      if (!opencv)
        return bad_image("cannot decode image: " + describe(opencv.error()));
      image = (*opencv)->decode(bytes, m.channels);
    }
    if (image.empty())
      return bad_image("cannot decode image");
    if (m.resize == resize_mode::shorter_side) {
      if (auto err = scale_and_crop(image, m, limits))
        return err;
    } else {
      scale(image, cv::Size{m.width, m.height});
    }
  } catch (const cv::Exception& e) {
    return bad_image(std::string{"cannot decode image: "} + e.err);
  } catch (const std::bad_alloc&) {
    return bad_image("cannot decode image: out of memory");
  }
  // HWC bytes -> CHW floats, scaled and normalised per channel, in the same
  // order of float operations as the training script, so the tensors agree
  // to the bit and a label never flips between training and serving. A
  // byte has 256 values: each channel's are computed once, then looked up.
  // OpenCV decodes colour as BGR; the model's channels are RGB.
  const auto plane = static_cast<size_t>(m.width) * m.height;
  std::array<float, 256> normalised;
  for (int c = 0; c < m.channels; ++c) {
    const float mean = m.mean[c];
    const float std = m.std[c];
    for (int v = 0; v < 256; ++v)
      normalised[v] = (static_cast<float>(v) / 255.0f - mean) / std;
    const int source = m.channels == 3 ? 2 - c : 0;
    float* dst = out.data() + c * plane;
    for (int y = 0; y < m.height; ++y) {
      const uint8_t* row = image.ptr<uint8_t>(y) + source;
      for (int x = 0; x < m.width; ++x)
        *dst++ = normalised[row[x * m.channels]];
    }
  }
  return caf::none;
}

} // namespace fovea
