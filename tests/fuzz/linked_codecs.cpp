// The decode fuzzer links OpenCV's codecs in (image_codecs_module.cpp)
// instead of loading libfovea_codecs.so: the module would have to be
// built with the fuzzer's instrumentation too, and a fuzzer is one
// process that decodes anyway.
#include "vision/image_codecs.hpp"

extern "C" fovea::image_codecs* fovea_image_codecs();

namespace fovea {

caf::expected<image_codecs*> codecs() {
  return fovea_image_codecs();
}

} // namespace fovea
