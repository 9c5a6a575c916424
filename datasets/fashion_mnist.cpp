#include "datasets/fashion_mnist.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>

#include "datasets/idx_file.hpp"
#include "jobs/results_file.hpp"
#include "messages/errors.hpp"
#include "vision/image_codecs.hpp"

namespace fovea {

const std::array<const char*, 10> fashion_mnist_classes = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

caf::expected<labelled_images> load_fashion_mnist(const std::string& source,
                                                  const std::string& split) {
  if (split != "train" && split != "test")
    return make_error(errc::bad_config,
                      "--split must be train or test, not " + split);
  auto prefix = source + "/" + (split == "train" ? "train" : "t10k");
  if (!std::filesystem::exists(prefix + "-images-idx3-ubyte.gz"))
    return make_error(errc::bad_config,
                      prefix + "-images-idx3-ubyte.gz not found: install "
                               "Debian's dataset-fashion-mnist package "
                               "(apt-get install dataset-fashion-mnist) or "
                               "name the folder with --source");
  auto images = read_idx(prefix + "-images-idx3-ubyte.gz", 3);
  if (!images)
    return std::move(images.error());
  auto labels = read_idx(prefix + "-labels-idx1-ubyte.gz", 1);
  if (!labels)
    return std::move(labels.error());
  if (images->dims[0] != labels->dims[0])
    return make_error(errc::bad_config,
                      prefix + ": " + std::to_string(images->dims[0])
                        + " images but " + std::to_string(labels->dims[0])
                        + " labels");
  for (auto label : labels->data)
    if (label >= fashion_mnist_classes.size())
      return make_error(errc::bad_config,
                        prefix + ": label " + std::to_string(label)
                          + " is not one of the 10 classes");
  labelled_images result;
  result.height = static_cast<int>(images->dims[1]);
  result.width = static_cast<int>(images->dims[2]);
  result.pixels = std::move(images->data);
  result.labels = std::move(labels->data);
  return result;
}

caf::expected<size_t> export_images(const labelled_images& images,
                                    const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(errc::bad_config, dir + ": " + ec.message());
  auto truth_path = dir + "/truth.csv";
  std::ofstream truth{truth_path};
  if (!truth)
    return make_error(errc::bad_config, truth_path + ": cannot create");
  truth << truth_header();
  auto opencv = codecs();
  if (!opencv)
    return std::move(opencv.error());
  const auto size = static_cast<size_t>(images.width) * images.height;
  for (size_t i = 0; i < images.count(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/%05zu.png", i);
    auto path = dir + name;
    cv::Mat image(images.height, images.width, CV_8UC1,
                  const_cast<uint8_t*>(images.pixels.data() + i * size));
    if (!(*opencv)->write(path, image))
      return make_error(errc::bad_config, path + ": cannot write");
    truth << truth_row(path, int{images.labels[i]});
  }
  truth.flush();
  if (!truth)
    return make_error(errc::bad_config, truth_path + ": cannot write");
  return images.count();
}

} // namespace fovea
