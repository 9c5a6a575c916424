#include "vision/model.hpp"

#include <dlfcn.h>
#include <fstream>
#include <mutex>

#include "messages/errors.hpp"
#include "vision/sha256.hpp"
#include "vision/torch_runtime.hpp"

namespace fovea {

namespace {

// libfovea_torch.so sits next to the executable (the build puts every binary
// in one folder); failing that, the dynamic loader's own search path.
std::string torch_module_path() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto beside = exe.parent_path() / "libfovea_torch.so";
    if (std::filesystem::exists(beside, ec))
      return beside.string();
  }
  return "libfovea_torch.so";
}

// Loads the module once per process and keeps it for the process's life
// (LibTorch's static state does not survive being unloaded).
caf::expected<torch_runtime*> runtime() {
  static std::once_flag once;
  static torch_runtime* loaded = nullptr;
  static std::string problem;
  std::call_once(once, [] {
    auto path = torch_module_path();
    auto handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      problem = "cannot load LibTorch through " + path + ": " + ::dlerror();
      return;
    }
    auto entry = reinterpret_cast<torch_runtime* (*)()>(
      ::dlsym(handle, "fovea_torch_runtime"));
    if (entry == nullptr)
      problem = path + " has no fovea_torch_runtime (a stale build?)";
    else
      loaded = entry();
  });
  if (loaded == nullptr)
    return make_error(errc::bad_model, problem);
  return loaded;
}

caf::expected<std::vector<std::string>>
read_labels(const std::filesystem::path& file) {
  std::ifstream in{file};
  if (!in)
    return make_error(errc::bad_model, file.string() + ": cannot read");
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty())
    labels.pop_back(); // a trailing newline is not a class
  if (labels.empty())
    return make_error(errc::bad_model, file.string() + ": no labels");
  return labels;
}

} // namespace

model::model(model_manifest manifest, std::vector<std::string> labels,
             std::unique_ptr<torch_program> program)
  : manifest_(std::move(manifest)),
    labels_(std::move(labels)),
    program_(std::move(program)) {
}

model::~model() = default;

caf::expected<std::unique_ptr<model>>
model::load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    return make_error(errc::bad_model,
                      dir.string() + ": model directory not found");
  auto manifest = load_manifest(dir);
  if (!manifest)
    return std::move(manifest.error());
  auto labels = read_labels(dir / "labels.txt");
  if (!labels)
    return std::move(labels.error());
  auto file = (dir / "model.pt").string();
  // Always: the digest names the model to the coordinator, pinned or not.
  auto digest = sha256_of_file(file);
  if (!digest)
    return std::move(digest.error());
  if (!manifest->sha256.empty()) {
    if (*digest != manifest->sha256)
      return make_error(errc::bad_model,
                        file + ": SHA-256 is " + *digest + " but model.ini "
                          "pins " + manifest->sha256
                          + " (a different or damaged model file)");
  }
  auto torch = runtime();
  if (!torch)
    return std::move(torch.error());
  std::string problem;
  auto program = (*torch)->load(file, problem);
  if (!program)
    return make_error(errc::bad_model, file + ": not a usable TorchScript "
                                                "model for model.ini ("
                                         + problem + ")");
  // A model that loads is known to run: one blank image, one score a label.
  auto& m = *manifest;
  std::vector<float> blank(m.input_size()), scores;
  problem = program->run(blank.data(), {1, m.channels, m.height, m.width},
                         scores);
  if (!problem.empty())
    return make_error(errc::bad_model, file + ": not a usable TorchScript "
                                                "model for model.ini ("
                                         + problem + ")");
  if (scores.size() != labels->size())
    return make_error(errc::bad_model,
                      file + ": the model outputs "
                        + std::to_string(scores.size())
                        + " classes but labels.txt names "
                        + std::to_string(labels->size()));
  std::unique_ptr<model> loaded{new model(std::move(*manifest),
                                         std::move(*labels),
                                         std::move(program))};
  loaded->digest_ = std::move(*digest);
  return loaded;
}

caf::expected<std::vector<float>> model::infer(std::span<const float> inputs,
                                               size_t count) {
  auto& m = manifest_;
  if (inputs.size() != count * m.input_size())
    return make_error(errc::invalid_request, "input size does not match batch");
  std::vector<float> probabilities;
  auto problem = program_->run(inputs.data(),
                               {static_cast<int64_t>(count), m.channels,
                                m.height, m.width},
                               probabilities);
  if (!problem.empty())
    return make_error(errc::bad_model, "inference failed: " + problem);
  return probabilities;
}

void set_inference_threads(int threads) {
  if (threads <= 0)
    return;
  if (auto torch = runtime())
    (*torch)->set_threads(threads);
  // else: model::load reports the missing module with its reason.
}

} // namespace fovea
