// fovea --version: this build's version and the libraries it was built
// with, and whether the LibTorch module loads from where it was installed.
#include <iostream>

#include "app/build_info.hpp"
#include "app/subcommands.hpp"
#include "messages/errors.hpp"
#include "vision/model.hpp"

namespace fovea {

int version_main(const arguments& args) {
  auto info = build_info();
  std::cout << "fovea " << info.fovea << '\n'
            << "CAF " << info.caf << ", LibTorch " << info.libtorch
            << ", OpenCV " << info.opencv << ", " << info.openssl << '\n';
  auto module = torch_module();
  if (!module) {
    std::cout << "LibTorch module: does not load: " << describe(module.error())
              << '\n';
    return 1;
  }
  std::cout << "LibTorch module: " << *module << '\n';
  return 0;
}

} // namespace fovea
