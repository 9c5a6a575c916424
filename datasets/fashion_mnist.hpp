// Fashion-MNIST, as Debian's dataset-fashion-mnist package ships it, turned
// into what fovea classifies: one PNG per image plus a truth.csv.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace fovea {

constexpr const char* fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

/// The ten classes, in the data set's label order.
extern const std::array<const char*, 10> fashion_mnist_classes;

struct labelled_images {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels; ///< count x height x width, row-major
  std::vector<uint8_t> labels; ///< one per image, 0..9

  size_t count() const noexcept { return labels.size(); }
};

/// Loads `split` ("train" or "test") from `source`, checking that the image
/// and label files agree in count and that every label is a known class.
caf::expected<labelled_images> load_fashion_mnist(const std::string& source,
                                                  const std::string& split);

/// Writes images as DIR/00000.png ... and DIR/truth.csv (path,label), with
/// paths spelled as DIR/NAME so they match what `fovea classify DIR` reports.
/// Returns the number of images written.
caf::expected<size_t> export_images(const labelled_images& images,
                                    const std::string& dir);

} // namespace fovea
