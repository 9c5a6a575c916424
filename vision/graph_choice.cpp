#include "vision/graph_choice.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "messages/errors.hpp"
#include "vision/cpu_features.hpp"
#include "vision/image_file.hpp"
#include "vision/preprocess.hpp"
#include "vision/sha256.hpp"

namespace fovea {

namespace {

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}

const char* form_name(graph_form form) {
  switch (form) {
  case graph_form::plain:
    return "plain graph";
  case graph_form::frozen:
    return "frozen graph";
  case graph_form::optimized:
    return "optimized graph (freeze + optimize_for_inference)";
  }
  return "graph";
}

bool is_image_name(const std::filesystem::path& file) {
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

struct probe_set {
  std::vector<float> inputs; ///< preprocessed, back to back
  size_t count = 0;
};

// The probe image files of `dir`/probe, sorted by name, at most
// max_probe_images; a missing folder has none.
caf::expected<std::vector<std::filesystem::path>>
probe_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  auto folder = dir / "probe";
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec))
    return files;
  for (auto& entry : std::filesystem::directory_iterator{folder, ec})
    if (entry.is_regular_file(ec) && is_image_name(entry.path()))
      files.push_back(entry.path());
  if (ec)
    return make_error(errc::bad_model,
                      folder.string() + ": cannot read: " + ec.message());
  std::sort(files.begin(), files.end());
  files.resize(std::min(files.size(), max_probe_images));
  return files;
}

// The probe images of `dir`/probe, preprocessed as the manifest says. A
// file that does not decode is an error naming it.
caf::expected<probe_set> read_probes(const std::filesystem::path& dir,
                                     const model_manifest& m) {
  probe_set probes;
  auto listed = probe_files(dir);
  if (!listed)
    return std::move(listed.error());
  auto& files = *listed;
  const auto size = m.input_size();
  probes.inputs.resize(files.size() * size);
  for (auto& file : files) {
    std::vector<uint8_t> bytes;
    if (auto problem = read_image_file(file.string(), max_probe_bytes, bytes);
        !problem.empty())
      return make_error(errc::bad_model, file.string() + ": " + problem);
    std::span<float> slot{probes.inputs.data() + probes.count * size, size};
    if (auto err = preprocess(bytes, m, slot))
      return make_error(errc::bad_model, file.string() +
                                             ": not a usable probe image (" +
                                             describe(err) + ")");
    ++probes.count;
  }
  return probes;
}

// Probabilities of images [first, first + count) of the probe set.
std::string run(torch_program& program, const probe_set& probes,
                const model_manifest& m, size_t first, size_t count,
                std::vector<float>& out) {
  return program.run(
      probes.inputs.data() + first * m.input_size(),
      {static_cast<int64_t>(count), m.channels, m.height, m.width}, out);
}

// The probabilities of the first `count` probes, in batches of `batch`,
// back to back.
std::string run_all(torch_program& program, const probe_set& probes,
                    const model_manifest& m, size_t batch, size_t count,
                    std::vector<float>& all) {
  all.clear();
  std::vector<float> part;
  for (size_t first = 0; first < count; first += batch) {
    auto n = std::min(batch, count - first);
    if (auto problem = run(program, probes, m, first, n, part);
        !problem.empty())
      return problem;
    all.insert(all.end(), part.begin(), part.end());
  }
  return {};
}

chosen_graph serve_plain(std::unique_ptr<torch_program> plain,
                         std::string why) {
  return {std::move(plain), graph_form::plain, "plain graph: " + why};
}

} // namespace

caf::expected<chosen_graph> choose_graph(std::unique_ptr<torch_program> plain,
                                         const std::filesystem::path& dir,
                                         const model_manifest& m) {
  if (!m.graph.optimize)
    return serve_plain(std::move(plain), "model.ini says optimize = false");
  auto probes = read_probes(dir, m);
  if (!probes)
    return std::move(probes.error());
  if (probes->count == 0)
    return serve_plain(std::move(plain),
                       "no probe images in " + (dir / "probe").string() +
                           " to check the optimized graph against");
  std::string problem;
  auto optimized = plain->convert(graph_form::optimized, problem);
  if (!optimized)
    return serve_plain(std::move(plain),
                       "the optimized graph failed to build (" + problem + ")");
  // oneDNN's kernels, and so the last bits, depend on the batch size: check
  // the sizes the worker runs most, its full batch and a lone image.
  const auto full = m.batching.max_batch_size;
  std::vector<float> reference, candidate;
  if (problem = run_all(*plain, *probes, m, full, probes->count, reference);
      !problem.empty())
    return make_error(errc::bad_model, (dir / "model.pt").string() +
                                           ": fails on its probe images (" +
                                           problem + ")");
  const auto classes = reference.size() / probes->count;
  for (size_t batch : {full, size_t{1}}) {
    // One image at a time is slow for large models: 16 suffice there.
    auto checked =
        batch == 1 ? std::min<size_t>(probes->count, 16) : probes->count;
    problem = run_all(*optimized, *probes, m, batch, checked, candidate);
    if (!problem.empty())
      return serve_plain(std::move(plain),
                         "the optimized graph fails on the probe images (" +
                             problem + ")");
    std::vector<float> expected(reference.begin(),
                                reference.begin() + checked * classes);
    problem = graph_disagreement(expected, candidate, classes,
                                 m.graph.tolerance, batch);
    if (!problem.empty())
      return serve_plain(std::move(plain),
                         "the optimized graph disagrees with it on " + problem);
  }
  return chosen_graph{std::move(optimized), graph_form::optimized,
                      std::string{form_name(graph_form::optimized)} +
                          ": agrees with the plain graph on " +
                          std::to_string(probes->count) +
                          " probe images within " + number(m.graph.tolerance)};
}

std::string graph_disagreement(const std::vector<float>& reference,
                               const std::vector<float>& candidate,
                               size_t classes, float tolerance, size_t batch) {
  if (candidate.size() != reference.size())
    return "it outputs " + std::to_string(candidate.size()) + " scores, not " +
           std::to_string(reference.size());
  for (size_t row = 0; row * classes < reference.size(); ++row) {
    auto r = reference.begin() + row * classes;
    auto c = candidate.begin() + row * classes;
    double worst = 0;
    for (size_t k = 0; k < classes; ++k) {
      auto gap = std::fabs(double{r[k]} - double{c[k]});
      worst = std::isnan(gap) ? gap : std::max(worst, gap); // NaN disagrees
      if (std::isnan(worst))
        break;
    }
    if (!(worst <= tolerance))
      return "probe image " + std::to_string(row + 1) + " at batch size " +
             std::to_string(batch) + ": a probability differs by " +
             number(worst) + " (tolerance " + number(tolerance) + ")";
    std::vector<float> sorted(r, r + classes);
    std::partial_sort(sorted.begin(),
                      sorted.begin() + std::min<size_t>(2, classes),
                      sorted.end(), std::greater<>{});
    auto margin = classes > 1 ? sorted[0] - sorted[1] : 1.0f;
    auto top = [&](auto first) {
      return std::max_element(first, first + classes) - first;
    };
    if (margin > tolerance && top(r) != top(c))
      return "probe image " + std::to_string(row + 1) + " at batch size " +
             std::to_string(batch) + ": top-1 label " + std::to_string(top(c)) +
             " instead of " + std::to_string(top(r));
  }
  return {};
}

std::string graph_check_key(const std::filesystem::path& dir,
                            const model_manifest& m,
                            const std::string& model_digest,
                            const std::string& runtime_identity) {
  auto files = probe_files(dir);
  if (!m.graph.optimize || !files || files->empty())
    return {};
  // Bump the revision whenever choose_graph checks differently.
  std::string inputs =
      "fovea graph check, revision 1\nmodel.pt " + model_digest + "\n";
  auto ini = sha256_of_file((dir / "model.ini").string());
  if (!ini)
    return {};
  inputs += "model.ini " + *ini + "\n";
  for (auto& file : *files) {
    auto digest = sha256_of_file(file.string());
    if (!digest)
      return {};
    inputs += "probe " + file.filename().string() + " " + *digest + "\n";
  }
  inputs += "cpu " + cpu_model_name() + "\nflags";
  for (auto& flag : cpu_flags())
    inputs += " " + flag;
  return sha256_of(inputs + "\n" + runtime_identity);
}

chosen_graph reuse_verdict(std::unique_ptr<torch_program> plain,
                           const graph_verdict& verdict) {
  if (verdict.form == graph_form::plain)
    return {std::move(plain), graph_form::plain, verdict.note};
  std::string problem;
  auto optimized = plain->convert(graph_form::optimized, problem);
  if (!optimized)
    return serve_plain(std::move(plain),
                       "the optimized graph failed to build (" + problem + ")");
  return {std::move(optimized), graph_form::optimized, verdict.note};
}

caf::expected<chosen_graph> force_graph(std::unique_ptr<torch_program> plain,
                                        graph_form form) {
  if (form == graph_form::plain)
    return chosen_graph{std::move(plain), form, form_name(form)};
  std::string problem;
  auto converted = plain->convert(form, problem);
  if (!converted)
    return make_error(errc::bad_model, std::string{form_name(form)} +
                                           " failed to build: " + problem);
  return chosen_graph{std::move(converted), form, form_name(form)};
}

} // namespace fovea
