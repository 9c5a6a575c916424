#include "vision/preprocess.hpp"

#include <cstring>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "messages/errors.hpp"

namespace fovea {

namespace {

bool starts_with(std::span<const uint8_t> bytes, std::span<const uint8_t> magic) {
  return bytes.size() >= magic.size()
         && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

// Only formats fovea means to accept are handed to OpenCV, whatever the
// file's name says: OpenCV would otherwise try every codec it was built with.
bool is_supported_format(std::span<const uint8_t> bytes) {
  static constexpr uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static constexpr uint8_t jpeg[] = {0xff, 0xd8, 0xff};
  return starts_with(bytes, png) || starts_with(bytes, jpeg);
}

caf::error bad_image(std::string reason) {
  return make_error(errc::bad_image, std::move(reason));
}

} // namespace

caf::error preprocess(std::span<const uint8_t> bytes, const model_manifest& m,
                      std::span<float> out) {
  if (out.size() != m.input_size())
    return make_error(errc::invalid_request, "output buffer of wrong size");
  if (bytes.empty())
    return bad_image("empty file");
  if (!is_supported_format(bytes))
    return bad_image("not a PNG or JPEG file");
  cv::Mat image;
  try {
    // imdecode only reads from the buffer; the const_cast is for its API.
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                const_cast<uint8_t*>(bytes.data()));
    auto flags = m.channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
    image = cv::imdecode(raw, flags);
    if (image.empty())
      return bad_image("cannot decode image");
    if (m.channels == 3)
      cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    if (image.cols != m.width || image.rows != m.height) {
      auto shrinking = image.cols > m.width || image.rows > m.height;
      cv::resize(image, image, cv::Size{m.width, m.height}, 0, 0,
                 shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
  } catch (const cv::Exception& e) {
    return bad_image(std::string{"cannot decode image: "} + e.err);
  }
  // HWC bytes -> CHW floats, scaled and normalised per channel, in the same
  // order of float operations as the training script, so the tensors agree
  // to the bit and a label never flips between training and serving.
  const auto plane = static_cast<size_t>(m.width) * m.height;
  for (int c = 0; c < m.channels; ++c) {
    const float mean = m.mean[c];
    const float std = m.std[c];
    float* dst = out.data() + c * plane;
    for (int y = 0; y < m.height; ++y) {
      const uint8_t* row = image.ptr<uint8_t>(y);
      for (int x = 0; x < m.width; ++x)
        *dst++ = (row[x * m.channels + c] / 255.0f - mean) / std;
    }
  }
  return caf::none;
}

} // namespace fovea
