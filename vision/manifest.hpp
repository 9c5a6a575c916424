// model_manifest: what a model expects as input, read from its model.ini.
//
// The manifest is the single source of truth for preprocessing: training,
// the embedded classifier and every worker apply it the same way, so the same
// image gets the same label everywhere. A loaded manifest is valid: sizes are
// positive, channels are 1 or 3, and mean/std have one entry per channel.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "vision/batching_policy.hpp"

namespace fovea {

/// How a worker prepares the model's graph (model.ini's [inference]).
struct graph_policy {
  /// Serve torch::jit::freeze + optimize_for_inference if it agrees with
  /// the plain graph on the model's probe/ images.
  bool optimize = true;
  /// Largest difference allowed between any probability of the two graphs;
  /// their top-1 labels must also agree wherever the top-2 margin exceeds it.
  float tolerance = 1e-4f;
  /// Warm-up at load (batch sizes 1, the preferred ones and the maximum)
  /// stops starting new sizes after this long.
  std::chrono::milliseconds warm_up_budget{10000};
  /// LibTorch's quantized engine for an int8 model ("onednn", "qnnpack"),
  /// set before it loads: its packed weights are packed for that engine,
  /// and two engines need not give the same labels. Empty: LibTorch's.
  std::string quantized_engine;
  /// /proc/cpuinfo flags the model needs ("avx512_vnni"); a CPU without
  /// them refuses the model.
  std::vector<std::string> cpu_flags;
};

enum class resize_mode {
  stretch, ///< scale to width x height, ignoring aspect ratio
  /// Scale the shorter side to `resize_to`, keeping the aspect ratio, then
  /// take the centre width x height: torchvision's Resize(resize_to) +
  /// CenterCrop((height, width)), as ImageNet-style models are trained.
  shorter_side,
};

struct model_manifest {
  std::string name;
  std::string version;
  int width = 0;
  int height = 0;
  int channels = 0;       ///< 1 = grayscale, 3 = RGB
  std::vector<float> mean; ///< per channel, applied after scaling to [0, 1]
  std::vector<float> std;  ///< per channel, all > 0
  resize_mode resize = resize_mode::stretch;
  int resize_to = 0; ///< shorter_side: the shorter side's length, >= width, height
  /// If set, model.pt must have this SHA-256 (hex): a worker never serves a
  /// model file other than the one its manifest was written for.
  std::string sha256;
  /// How a worker batches this model's inputs (model.ini's [batching]).
  batching_policy batching;
  /// How a worker prepares the graph (model.ini's [inference]).
  graph_policy graph;

  /// Floats in one preprocessed image (channels x height x width).
  size_t input_size() const {
    return static_cast<size_t>(channels) * height * width;
  }

  /// "name@version": one word, so it fits a table cell.
  std::string label() const { return name + "@" + version; }
};

/// Reads and validates `model_dir`/model.ini. Errors name the file and key.
caf::expected<model_manifest> load_manifest(const std::filesystem::path& dir);

} // namespace fovea
