// build_info: the version of this fovea and of the libraries it was built
// against, for `fovea --version` and the metrics' info gauge.
//
// Guarantees: every field is filled (a library's version as its headers or
// its runtime state it, "0.17.6" style); nothing here loads LibTorch.
#pragma once

#include <string>

namespace fovea {

struct build_versions {
  std::string fovea;    ///< the project's version (CMakeLists.txt)
  std::string caf;      ///< CAF, from its headers
  std::string libtorch; ///< LibTorch, as CMake found it at build time
  std::string opencv;   ///< OpenCV, from its headers
  std::string openssl;  ///< the OpenSSL library this process runs with
};

build_versions build_info();

} // namespace fovea
