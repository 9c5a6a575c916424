// model: a loaded TorchScript classifier with its manifest and labels.
//
// The only door to LibTorch in fovea. LibTorch itself is a plugin
// (torch_runtime.hpp) loaded by the first model::load, so that processes
// that never run a model do not pay its ~150 MB. A model that loads is known
// to run: load() feeds it one blank image and checks that it outputs one
// score per line of labels.txt. The graph served is the optimized one only
// where it agrees with the plain one on the model's probe images
// (graph_choice.hpp), a check whose verdict a later load of the same
// model on the same machine may reuse (graph_verdicts.hpp); graph_note()
// says which graph, why, and whether the verdict was reused.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "vision/manifest.hpp"
#include "vision/torch_runtime.hpp"

namespace fovea {

struct model_load_options {
  /// Where the verdicts of graph checks are kept (graph_verdicts.hpp);
  /// empty: the check runs at every load, and nothing is written.
  std::filesystem::path verdict_folder = {};
  /// Skips the choice of graph and its check: for the benchmark's sweep of
  /// forms only.
  std::optional<graph_form> forced = std::nullopt;
};

class model {
public:
  /// Loads model.ini, labels.txt and model.pt from `dir`. Errors (bad_model)
  /// name the file and what is wrong with it.
  static caf::expected<std::unique_ptr<model>>
  load(const std::filesystem::path& dir, const model_load_options& options = {});

  /// What load() checks before it needs LibTorch: the folder, model.ini
  /// and labels.txt (for callers that tell a wrong --model at once).
  static caf::error check_folder(const std::filesystem::path& dir);

  ~model();

  const model_manifest& manifest() const noexcept { return manifest_; }

  const std::vector<std::string>& labels() const noexcept { return labels_; }

  /// SHA-256 of model.pt, 64 hex digits: which model this is, exactly.
  const std::string& digest() const noexcept { return digest_; }

  /// The form of the graph served, and one line saying which and why.
  graph_form form() const noexcept { return form_; }
  const std::string& graph_note() const noexcept { return graph_note_; }

  /// Runs blank batches of size 1, each preferred size and the maximum of
  /// `policy` (LibTorch and oneDNN pick and compile kernels per shape on
  /// its first pass), starting no new size after the manifest's warm-up
  /// budget, and keeps every other size up to the maximum for warm_next().
  /// Returns one line for the node's log.
  std::string warm_up(const batching_policy& policy);

  /// Warms the smallest size warm_up() left, if the budget allows: for a
  /// runner with nothing to do. False once no size is left.
  bool warm_next();

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
  graph_form form_ = graph_form::plain;
  std::string graph_note_;
  std::unique_ptr<torch_program> program_;
  std::vector<size_t> cold_sizes_; ///< not warmed yet, smallest last
  std::chrono::milliseconds warm_spent_{0}; ///< of the warm-up budget

  /// Runs one blank batch of `size`, adding its time to warm_spent_.
  bool warm(size_t size);
};

/// Loads libfovea_torch.so (once per process, as a model's load would) and
/// returns the file it came from, or why it does not load.
caf::expected<std::string> torch_module();

/// Sets LibTorch's intra-op threads for this process (0 keeps its default).
void set_inference_threads(int threads);

} // namespace fovea
