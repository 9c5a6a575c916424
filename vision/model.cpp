#include "vision/model.hpp"

#include <fstream>

#include <ATen/Parallel.h>
#include <torch/script.h>

#include "messages/errors.hpp"
#include "vision/sha256.hpp"

namespace fovea {

struct model::impl {
  torch::jit::script::Module module;
};

namespace {

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

torch::Tensor run(torch::jit::script::Module& module, torch::Tensor batch) {
  c10::InferenceMode guard;
  return module.forward({std::move(batch)}).toTensor().softmax(1).contiguous();
}

} // namespace

model::model(model_manifest manifest, std::vector<std::string> labels,
             std::unique_ptr<impl> runtime)
  : manifest_(std::move(manifest)),
    labels_(std::move(labels)),
    impl_(std::move(runtime)) {
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
  if (!manifest->sha256.empty()) {
    auto digest = sha256_of_file(file);
    if (!digest)
      return std::move(digest.error());
    if (*digest != manifest->sha256)
      return make_error(errc::bad_model,
                        file + ": SHA-256 is " + *digest + " but model.ini "
                          "pins " + manifest->sha256
                          + " (a different or damaged model file)");
  }
  auto runtime = std::make_unique<impl>();
  try {
    runtime->module = torch::jit::load(file, torch::kCPU);
    runtime->module.eval();
    auto& m = *manifest;
    auto blank = torch::zeros({1, m.channels, m.height, m.width});
    auto out = run(runtime->module, blank);
    if (out.dim() != 2 || out.size(1) != static_cast<int64_t>(labels->size()))
      return make_error(errc::bad_model,
                        file + ": the model outputs "
                          + std::to_string(out.dim() == 2 ? out.size(1) : -1)
                          + " classes but labels.txt names "
                          + std::to_string(labels->size()));
  } catch (const std::exception& e) {
    // c10::Error's what() carries a C++ backtrace; its first line suffices.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    return make_error(errc::bad_model, file + ": not a usable TorchScript "
                                                "model for model.ini ("
                                         + what + ")");
  }
  return std::unique_ptr<model>{new model(std::move(*manifest),
                                          std::move(*labels),
                                          std::move(runtime))};
}

caf::expected<std::vector<float>> model::infer(std::span<const float> inputs,
                                               size_t count) {
  auto& m = manifest_;
  if (inputs.size() != count * m.input_size())
    return make_error(errc::invalid_request, "input size does not match batch");
  try {
    // from_blob borrows the caller's buffer; run() copies out before return.
    auto batch = torch::from_blob(const_cast<float*>(inputs.data()),
                                  {static_cast<int64_t>(count), m.channels,
                                   m.height, m.width},
                                  torch::kFloat32);
    auto out = run(impl_->module, batch);
    auto first = out.data_ptr<float>();
    return std::vector<float>(first, first + out.numel());
  } catch (const std::exception& e) {
    std::string what = e.what();
    return make_error(errc::bad_model,
                      "inference failed: " + what.substr(0, what.find('\n')));
  }
}

void set_inference_threads(int threads) {
  if (threads > 0)
    at::set_num_threads(threads);
}

} // namespace fovea
