// image_codecs: OpenCV's image codecs, behind a module loaded on first use.
//
// Linking opencv_imgcodecs maps ~130 shared libraries into a process (GDAL,
// Poppler, HDF5, ...; Debian builds it with them all): 78 ms of relocations
// before main, in every fovea process, where most never decode an image
// and workers decode plain PNGs themselves (plain_png.hpp). So the codecs
// live in libfovea_codecs.so (image_codecs_module.cpp), loaded the first
// time an image needs them (private_module.hpp). The boundary carries
// cv::Mat: both sides link the same opencv_core, and OpenCV's exceptions
// cross it as they would within one library.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <caf/expected.hpp>
#include <opencv2/core/mat.hpp>

namespace fovea {

class image_codecs {
public:
  virtual ~image_codecs() = default;

  /// cv::imdecode of `bytes` into `channels` 8-bit channels (1: grey,
  /// 3: BGR): an empty matrix if the bytes are no image it can decode.
  /// May throw cv::Exception.
  virtual cv::Mat decode(std::span<const uint8_t> bytes, int channels) = 0;

  /// cv::imwrite: false if the file could not be written. May throw
  /// cv::Exception.
  virtual bool write(const std::string& file, const cv::Mat& image) = 0;
};

/// The codecs, loading their module on first use; an error (bad_config)
/// naming the module if it cannot be loaded.
caf::expected<image_codecs*> codecs();

} // namespace fovea
