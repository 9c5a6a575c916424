#include "vision/model.hpp"

#include <algorithm>
#include <fstream>

#include "messages/errors.hpp"
#include "vision/cpu_features.hpp"
#include "vision/graph_choice.hpp"
#include "vision/graph_verdicts.hpp"
#include "vision/private_module.hpp"
#include "vision/sha256.hpp"
#include "vision/torch_runtime.hpp"

namespace fovea {

namespace {

// LibTorch's module, loaded by the first model (private_module.hpp).
struct loaded_runtime {
  std::string path;
  torch_runtime* runtime = nullptr;
  std::string problem;
};

loaded_runtime load_runtime() {
  auto& module = load_private_module("torch", "fovea_torch_runtime");
  loaded_runtime result{module.path, nullptr, module.problem};
  if (module.entry != nullptr)
    result.runtime = reinterpret_cast<torch_runtime* (*)()>(module.entry)();
  return result;
}

caf::expected<torch_runtime*> runtime() {
  auto loaded = load_runtime();
  if (loaded.runtime == nullptr)
    return make_error(errc::bad_model, loaded.problem);
  return loaded.runtime;
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

// A model that loads is known to run: one blank image, one score a label.
caf::error runs_blank(torch_program& program, const model_manifest& m,
                      size_t classes, const std::string& file) {
  std::vector<float> blank(m.input_size()), scores;
  auto problem = program.run(blank.data(), {1, m.channels, m.height, m.width},
                             scores);
  if (!problem.empty())
    return make_error(errc::bad_model, file + ": not a usable TorchScript "
                                                "model for model.ini ("
                                         + problem + ")");
  if (scores.size() != classes)
    return make_error(errc::bad_model,
                      file + ": the model outputs "
                        + std::to_string(scores.size())
                        + " classes but labels.txt names "
                        + std::to_string(classes));
  return caf::none;
}

// The graph to serve: the forced form, the one a kept verdict for this
// exact model, probe set, LibTorch and CPU chose, or the one a check
// chooses now (whose verdict is then kept).
caf::expected<chosen_graph>
pick_graph(std::unique_ptr<torch_program> program,
           const std::filesystem::path& dir, const model_manifest& m,
           size_t classes, const std::string& digest, torch_runtime& torch,
           const model_load_options& options) {
  auto file = (dir / "model.pt").string();
  graph_verdicts verdicts{options.forced ? std::filesystem::path{}
                                         : options.verdict_folder};
  auto key = verdicts.on()
               ? graph_check_key(dir, m, digest, torch.build_identity())
               : std::string{};
  if (auto known = key.empty() ? std::nullopt : verdicts.find(key)) {
    auto chosen = reuse_verdict(std::move(program), *known);
    if (auto err = runs_blank(*chosen.program, m, classes, file))
      return err;
    chosen.note += " (the verdict of an earlier check, kept in "
                   + verdicts.folder().string() + ")";
    return chosen;
  }
  if (auto err = runs_blank(*program, m, classes, file))
    return err;
  if (options.forced)
    return force_graph(std::move(program), *options.forced);
  auto chosen = choose_graph(std::move(program), dir, m);
  if (chosen && !key.empty())
    if (auto why = verdicts.keep(key, {chosen->form, chosen->note});
        !why.empty())
      chosen->note += " (its verdict was not kept: " + why + ")";
  return chosen;
}

} // namespace

model::model(model_manifest manifest, std::vector<std::string> labels,
             std::unique_ptr<torch_program> program)
  : manifest_(std::move(manifest)),
    labels_(std::move(labels)),
    program_(std::move(program)) {
}

model::~model() = default;

caf::error model::check_folder(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    return make_error(errc::bad_model,
                      dir.string() + ": model directory not found");
  if (auto manifest = load_manifest(dir); !manifest)
    return std::move(manifest.error());
  if (auto labels = read_labels(dir / "labels.txt"); !labels)
    return std::move(labels.error());
  return caf::none;
}

caf::expected<std::unique_ptr<model>>
model::load(const std::filesystem::path& dir,
            const model_load_options& options) {
  if (auto err = check_folder(dir))
    return err;
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
  auto& needs = manifest->graph;
  if (auto missing = missing_cpu_flags(needs.cpu_flags); !missing.empty()) {
    std::string list;
    for (auto& flag : missing)
      list += (list.empty() ? "" : ", ") + flag;
    return make_error(errc::bad_model,
                      (dir / "model.ini").string() + ": this model needs CPU "
                        "features this CPU lacks (" + list
                        + ", as /proc/cpuinfo names them); serve the model "
                          "it was made from instead");
  }
  auto torch = runtime();
  if (!torch)
    return std::move(torch.error());
  std::string problem;
  if (!needs.quantized_engine.empty()) {
    problem = (*torch)->set_quantized_engine(needs.quantized_engine);
    if (!problem.empty())
      return make_error(errc::bad_model,
                        (dir / "model.ini").string() + ": " + problem);
  }
  auto program = (*torch)->load(file, problem);
  if (!program)
    return make_error(errc::bad_model, file + ": not a usable TorchScript "
                                                "model for model.ini ("
                                         + problem + ")");
  auto chosen = pick_graph(std::move(program), dir, *manifest, labels->size(),
                           *digest, **torch, options);
  if (!chosen)
    return std::move(chosen.error());
  std::unique_ptr<model> loaded{new model(std::move(*manifest),
                                         std::move(*labels),
                                         std::move(chosen->program))};
  loaded->digest_ = std::move(*digest);
  loaded->form_ = chosen->form;
  loaded->graph_note_ = std::move(chosen->note);
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

std::string model::warm_up(const batching_policy& policy) {
  // The sizes a worker's batcher forms first (1, the preferred ones, the
  // maximum) now; every other size it may form later, one at a time while
  // its runner idles (warm_next): oneDNN compiles kernels for each new
  // shape on its first pass, and a job's first batches would pay for it,
  // but a worker that warmed all 64 sizes first kept every job waiting.
  std::vector<size_t> named{1};
  named.insert(named.end(), policy.preferred_batch_sizes.begin(),
               policy.preferred_batch_sizes.end());
  named.push_back(policy.max_batch_size);
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  cold_sizes_.clear();
  for (size_t size = policy.max_batch_size - 1; size >= 2; --size)
    if (!std::binary_search(named.begin(), named.end(), size))
      cold_sizes_.push_back(size); // taken from the back: smallest first
  warm_spent_ = {};
  size_t done = 0;
  for (auto size : named) {
    if (warm_spent_ >= manifest_.graph.warm_up_budget || !warm(size))
      break;
    ++done;
  }
  if (done < named.size())
    cold_sizes_.clear(); // over budget already, or the model fails
  std::string list;
  for (size_t i = 0; i < done; ++i)
    list += (i == 0 ? "" : ",") + std::to_string(named[i]);
  auto line = "warmed up batch sizes " + (done == 0 ? "none" : list) + " in "
              + std::to_string(warm_spent_.count()) + " ms";
  if (!cold_sizes_.empty())
    line += "; " + std::to_string(cold_sizes_.size())
            + " others follow while it idles";
  if (done < named.size())
    line += " (stopped at the warm-up budget of "
            + std::to_string(manifest_.graph.warm_up_budget.count()) + " ms)";
  return line;
}

bool model::warm_next() {
  if (cold_sizes_.empty())
    return false;
  auto size = cold_sizes_.back();
  cold_sizes_.pop_back();
  if (warm_spent_ >= manifest_.graph.warm_up_budget || !warm(size))
    cold_sizes_.clear();
  return !cold_sizes_.empty();
}

bool model::warm(size_t size) {
  auto start = std::chrono::steady_clock::now();
  // A failure here would fail the first real batch too; that batch's error
  // reply says why, so warm-up only counts what ran.
  std::vector<float> blank(size * manifest_.input_size());
  auto ran = static_cast<bool>(infer(blank, size));
  warm_spent_ += std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  return ran;
}

caf::expected<std::string> torch_module() {
  auto loaded = load_runtime();
  if (loaded.runtime == nullptr)
    return make_error(errc::bad_model, loaded.problem);
  return loaded.path;
}

void set_inference_threads(int threads) {
  if (threads <= 0)
    return;
  if (auto torch = runtime())
    (*torch)->set_threads(threads);
  // else: model::load reports the missing module with its reason.
}

} // namespace fovea
