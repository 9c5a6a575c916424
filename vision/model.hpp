// model: a loaded TorchScript classifier with its manifest and labels.
//
// The only door to LibTorch in fovea. LibTorch itself is a plugin
// (torch_runtime.hpp) loaded by the first model::load, so that processes
// that never run a model do not pay its ~150 MB. A model that loads is known
// to run: load() feeds it one blank image and checks that it outputs one
// score per line of labels.txt.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "vision/manifest.hpp"

namespace fovea {

class torch_program;

class model {
public:
  /// Loads model.ini, labels.txt and model.pt from `dir`. Errors (bad_model)
  /// name the file and what is wrong with it.
  static caf::expected<std::unique_ptr<model>>
  load(const std::filesystem::path& dir);

  ~model();

  const model_manifest& manifest() const noexcept { return manifest_; }

  const std::vector<std::string>& labels() const noexcept { return labels_; }

  /// SHA-256 of model.pt, 64 hex digits: which model this is, exactly.
  const std::string& digest() const noexcept { return digest_; }

  /// Class probabilities (softmax) for `count` preprocessed images stored
  /// back to back in `inputs`: count x labels().size() floats, row by row.
  caf::expected<std::vector<float>> infer(std::span<const float> inputs,
                                          size_t count);

private:
  model(model_manifest manifest, std::vector<std::string> labels,
        std::unique_ptr<torch_program> program);

  model_manifest manifest_;
  std::vector<std::string> labels_;
  std::string digest_;
  std::unique_ptr<torch_program> program_;
};

/// Sets LibTorch's intra-op threads for this process (0 keeps its default).
void set_inference_threads(int threads);

} // namespace fovea
