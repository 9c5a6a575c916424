#include "messages/image_task.hpp"

namespace fovea {

const char* to_string(reference_kind kind) {
  switch (kind) {
  case reference_kind::shared:
    return "shared";
  case reference_kind::s3:
    return "s3";
  case reference_kind::https:
    return "https";
  default:
    return "bytes";
  }
}

} // namespace fovea
