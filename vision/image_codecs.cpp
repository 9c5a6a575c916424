#include "vision/image_codecs.hpp"

#include "messages/errors.hpp"
#include "vision/private_module.hpp"

namespace fovea {

caf::expected<image_codecs*> codecs() {
  auto& module = load_private_module("codecs", "fovea_image_codecs");
  if (module.entry == nullptr)
    return make_error(errc::bad_config, module.problem);
  return reinterpret_cast<image_codecs* (*)()>(module.entry)();
}

} // namespace fovea
