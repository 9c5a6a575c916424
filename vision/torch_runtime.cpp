// libfovea_torch.so: torch_runtime over LibTorch (see torch_runtime.hpp).
#include "vision/torch_runtime.hpp"

#include <algorithm>
#include <malloc.h>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>
#include <torch/script.h>

namespace fovea {
namespace {

// c10::Error's what() carries a C++ backtrace; its first line suffices.
std::string first_line(const std::exception& e) {
  std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

class script_program : public torch_program {
public:
  script_program(torch::jit::script::Module module, graph_form form)
    : module_(std::move(module)), form_(form) {
  }

  std::unique_ptr<torch_program> convert(graph_form form,
                                         std::string& error) const override {
    if (form_ != graph_form::plain) {
      error = "only a plain graph converts";
      return nullptr;
    }
    try {
      // Every pass clones: this program stays usable, and stays the one
      // served if the converted graph is refused.
      auto converted = form == graph_form::plain ? module_.clone()
                                                 : torch::jit::freeze(module_);
      if (form == graph_form::optimized)
        converted = torch::jit::optimize_for_inference(converted);
      return std::make_unique<script_program>(std::move(converted), form);
    } catch (const std::exception& e) {
      error = first_line(e);
      return nullptr;
    }
  }

  std::string run(const float* inputs, std::array<int64_t, 4> shape,
                  std::vector<float>& probabilities) override {
    try {
      c10::InferenceMode guard;
      // from_blob borrows the caller's buffer; the softmax is a new tensor.
      auto batch = torch::from_blob(const_cast<float*>(inputs),
                                    {shape[0], shape[1], shape[2], shape[3]},
                                    torch::kFloat32);
      auto out = module_.forward({std::move(batch)}).toTensor();
      if (out.dim() != 2 || out.size(0) != shape[0])
        return "the model outputs a tensor of " + std::to_string(out.dim())
               + " dimensions, not one row of scores per image";
      out = out.softmax(1).contiguous();
      auto first = out.data_ptr<float>();
      probabilities.assign(first, first + out.numel());
      return {};
    } catch (const std::exception& e) {
      return first_line(e);
    }
  }

private:
  torch::jit::script::Module module_;
  graph_form form_;
};

// LibTorch allocates a batch's activations afresh for every forward pass
// and frees them after it. By default glibc hands such large blocks back to
// the kernel (as mmap'd chunks, or by trimming the heap), so every batch
// paid for page faults and zeroed pages again: a tenth of a worker's CPU
// with the Fashion-MNIST model. A process that runs models keeps them
// instead: blocks up to 32 MB (glibc's largest mmap threshold) come from
// the heap, and the heap keeps up to 1 GB of free memory for the next batch.
void keep_freed_memory_for_reuse() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer mallopt does nothing: its allocator maps each
// block over 128 KiB afresh and unmaps it when freed, so every forward
// pass faulted its activations in again. In the sanitizer build's test of
// a small job beside a large one, that was most of 2.3 M page faults and
// of 22 s of system time. There LibTorch's tensors come from this
// allocator instead, which keeps freed blocks by size for the next batch
// (up to 1 GiB, as glibc keeps in a release build): the test went from
// 31 s to 14 s, and 0.6 M faults. The blocks are still the sanitizer's,
// with its redzones; only a tensor's use after free, inside LibTorch
// (which is not instrumented), goes unseen.
class reusing_cpu_allocator final : public c10::Allocator {
public:
  c10::DataPtr allocate(size_t bytes) const override {
    auto* data = take(bytes);
    return {data, data, &give_back, c10::Device{c10::DeviceType::CPU}};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &give_back; }

private:
  static constexpr size_t alignment = 64; // as LibTorch's own
  static constexpr size_t most_kept = size_t{1} << 30;

  struct blocks {
    std::mutex lock;
    std::unordered_map<void*, size_t> size_of; ///< every block handed out
    std::unordered_map<size_t, std::vector<void*>> kept_by_size;
    size_t kept_bytes = 0;
  };

  // Never destroyed: tensors may be freed during the process's exit.
  static blocks& all() {
    static auto* everything = new blocks;
    return *everything;
  }

  static void* take(size_t bytes) {
    auto& b = all();
    std::lock_guard guard{b.lock};
    auto found = b.kept_by_size.find(bytes);
    if (found != b.kept_by_size.end() && !found->second.empty()) {
      auto* data = found->second.back();
      found->second.pop_back();
      b.kept_bytes -= bytes;
      return data;
    }
    void* data = nullptr;
    if (posix_memalign(&data, alignment, std::max<size_t>(bytes, 1)) != 0)
      throw std::bad_alloc{};
    b.size_of.emplace(data, bytes);
    return data;
  }

  static void give_back(void* data) {
    if (!data)
      return;
    auto& b = all();
    std::lock_guard guard{b.lock};
    auto bytes = b.size_of.at(data);
    if (b.kept_bytes + bytes <= most_kept) {
      b.kept_by_size[bytes].push_back(data);
      b.kept_bytes += bytes;
      return;
    }
    b.size_of.erase(data);
    free(data);
  }
};

// Installs it once for the process, over c10's default (priority 0).
void reuse_tensor_blocks() {
  static auto* allocator = new reusing_cpu_allocator; // as c10's, for good
  c10::SetCPUAllocator(allocator, 1);
}
#endif

class libtorch_runtime : public torch_runtime {
public:
  libtorch_runtime() {
    keep_freed_memory_for_reuse();
#if defined(__SANITIZE_ADDRESS__)
    reuse_tensor_blocks();
#endif
  }

  std::unique_ptr<torch_program> load(const std::string& file,
                                      std::string& error) override {
    try {
      auto module = torch::jit::load(file, torch::kCPU);
      module.eval();
      return std::make_unique<script_program>(std::move(module),
                                              graph_form::plain);
    } catch (const std::exception& e) {
      error = first_line(e);
      return nullptr;
    }
  }

  std::string set_quantized_engine(const std::string& name) override {
    auto wanted = name == "onednn"    ? at::QEngine::ONEDNN
                  : name == "qnnpack" ? at::QEngine::QNNPACK
                                      : at::QEngine::NoQEngine;
    auto& supported = at::globalContext().supportedQEngines();
    if (wanted == at::QEngine::NoQEngine
        || std::find(supported.begin(), supported.end(), wanted)
             == supported.end())
      return "this LibTorch has no quantized engine " + name;
    at::globalContext().setQEngine(wanted);
    return {};
  }

  void set_threads(int threads) override {
    if (threads > 0)
      at::set_num_threads(threads);
  }

  std::string build_identity() override {
    // show_config names the version, compiler, oneDNN's version and the
    // CPU capability ATen dispatches to: each can move the last bits.
    return "LibTorch " TORCH_VERSION "\n" + at::show_config()
           + "intra-op threads " + std::to_string(at::get_num_threads())
           + "\nquantized engine "
           + std::to_string(static_cast<int>(at::globalContext().qEngine()));
  }
};

} // namespace
} // namespace fovea

extern "C" fovea::torch_runtime* fovea_torch_runtime() {
  static fovea::libtorch_runtime runtime;
  return &runtime;
}
