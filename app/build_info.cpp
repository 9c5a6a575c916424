#include "app/build_info.hpp"

#include <caf/config.hpp>
#include <opencv2/core/version.hpp>
#include <openssl/crypto.h>

namespace fovea {

build_versions build_info() {
  build_versions result;
  result.fovea = FOVEA_VERSION;
  result.caf = std::to_string(CAF_MAJOR_VERSION) + "."
               + std::to_string(CAF_MINOR_VERSION) + "."
               + std::to_string(CAF_PATCH_VERSION);
  result.libtorch = FOVEA_LIBTORCH_VERSION;
  result.opencv = CV_VERSION;
  // "OpenSSL 3.0.17 1 Jul 2025": the name and the number, not the date.
  std::string openssl = OpenSSL_version(OPENSSL_VERSION);
  auto second_space = openssl.find(' ', openssl.find(' ') + 1);
  result.openssl = openssl.substr(0, second_space);
  return result;
}

} // namespace fovea
