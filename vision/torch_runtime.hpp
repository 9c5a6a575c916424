// torch_runtime: the LibTorch side of a model, behind a plugin boundary.
//
// LibTorch maps ~100 MB of libraries and builds ~60 MB of operator tables at
// start-up. Only processes that run a model need it, so it lives in its own
// shared module, libfovea_torch.so (torch_runtime.cpp, the one file that
// includes LibTorch's headers), which model.cpp loads with dlopen the first
// time a model is loaded. A coordinator, a client or a shell never maps it.
//
// The boundary carries only standard types: the module is built with the
// same compiler and standard library as fovea, and errors cross it as text.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fovea {

/// How a module's graph is prepared for serving.
enum class graph_form {
  plain,     ///< as loaded, in evaluation mode
  frozen,    ///< torch::jit::freeze: parameters inlined as constants
  optimized, ///< frozen, then torch::jit::optimize_for_inference (conv/BN
             ///< folding, oneDNN convolutions with prepacked weights)
};

/// A loaded TorchScript module, ready for forward passes.
class torch_program {
public:
  virtual ~torch_program() = default;

  /// This module in another form, leaving this one as it is; on failure
  /// returns nullptr and says why in `error`. Only plain programs convert.
  virtual std::unique_ptr<torch_program> convert(graph_form form,
                                                 std::string& error) const
    = 0;

  /// Softmax probabilities of a batch of `shape` = {count, channels, height,
  /// width} floats, row by row, into `probabilities` (count x classes).
  /// Returns the empty string, or what went wrong.
  virtual std::string run(const float* inputs, std::array<int64_t, 4> shape,
                          std::vector<float>& probabilities) = 0;
};

class torch_runtime {
public:
  virtual ~torch_runtime() = default;

  /// Loads a TorchScript file onto the CPU in evaluation mode; on failure
  /// returns nullptr and says why in `error`.
  virtual std::unique_ptr<torch_program> load(const std::string& file,
                                              std::string& error) = 0;

  /// Sets LibTorch's quantized engine for this process ("onednn",
  /// "qnnpack"); returns the empty string, or why not (this LibTorch lacks
  /// it).
  virtual std::string set_quantized_engine(const std::string& name) = 0;

  /// Sets LibTorch's intra-op threads for this process.
  virtual void set_threads(int threads) = 0;

  /// What, besides the model and the CPU, can change a forward pass's last
  /// bits: LibTorch's version and build, its threads and quantized engine.
  virtual std::string build_identity() = 0;
};

} // namespace fovea

/// The module's one entry point; the runtime lives as long as the process.
extern "C" fovea::torch_runtime* fovea_torch_runtime();
