// libfovea_codecs.so: the one place that links opencv_imgcodecs
// (image_codecs.hpp says why).
#include <opencv2/imgcodecs.hpp>

#include "vision/image_codecs.hpp"

namespace fovea {
namespace {

class opencv_codecs final : public image_codecs {
public:
  cv::Mat decode(std::span<const uint8_t> bytes, int channels) override {
    // imdecode only reads from the buffer; the const_cast is for its API.
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                const_cast<uint8_t*>(bytes.data()));
    return cv::imdecode(raw, channels == 1 ? cv::IMREAD_GRAYSCALE
                                           : cv::IMREAD_COLOR);
  }

  bool write(const std::string& file, const cv::Mat& image) override {
    return cv::imwrite(file, image);
  }
};

} // namespace
} // namespace fovea

extern "C" fovea::image_codecs* fovea_image_codecs() {
  static fovea::opencv_codecs codecs;
  return &codecs;
}
