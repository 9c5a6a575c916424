// graph_choice: which form of a model's graph a worker serves.
//
// Guarantees: the optimized graph (freeze + optimize_for_inference) is
// served only after it agreed with the plain graph on the model's probe set
// — real images shipped in the model folder's probe/ — within the manifest's
// tolerance: every probability, and the top-1 label of every probe image
// whose top-2 margin exceeds the tolerance, at the batch sizes the worker
// will run. Otherwise, or if model.ini says `optimize = false`, or if there
// is no probe set, or if either pass fails, the plain graph is served and
// `note` says why. A probe image that does not decode is a broken model
// folder (an error naming the file), never a silent skip.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "vision/graph_verdicts.hpp"
#include "vision/manifest.hpp"
#include "vision/torch_runtime.hpp"

namespace fovea {

struct chosen_graph {
  std::unique_ptr<torch_program> program;
  graph_form form = graph_form::plain;
  /// One line for the node's log: the graph served, and why.
  std::string note;
};

/// Chooses between `plain` and its optimized form for the model in `dir`.
caf::expected<chosen_graph> choose_graph(std::unique_ptr<torch_program> plain,
                                         const std::filesystem::path& dir,
                                         const model_manifest& m);

/// What choose_graph's check of the model in `dir` depends on, as one
/// SHA-256 (hex): model.pt (`model_digest`), model.ini, each probe image's
/// name and bytes, the CPU's model name and flags, `runtime_identity`
/// (torch_runtime::build_identity) and the check's own revision. Empty
/// where no check would run (optimize = false, no probe images) or an input
/// cannot be read (the check itself then says why).
std::string graph_check_key(const std::filesystem::path& dir,
                            const model_manifest& m,
                            const std::string& model_digest,
                            const std::string& runtime_identity);

/// The graph a verdict kept for this model's key chose
/// (graph_verdicts.hpp), without the check: the optimized form of `plain`,
/// or `plain` itself.
chosen_graph reuse_verdict(std::unique_ptr<torch_program> plain,
                           const graph_verdict& verdict);

/// `plain` converted to `form` without any check: for the benchmark's sweep
/// of graph forms, never for serving.
caf::expected<chosen_graph> force_graph(std::unique_ptr<torch_program> plain,
                                        graph_form form);

/// Where `candidate` departs from `reference` (probabilities of the same
/// images, `classes` per row, at batch size `batch`): a probability further
/// than `tolerance` (or NaN), or another top-1 label where the reference's
/// top-2 margin exceeds `tolerance`. An empty string if they agree.
std::string graph_disagreement(const std::vector<float>& reference,
                               const std::vector<float>& candidate,
                               size_t classes, float tolerance, size_t batch);

/// At most this many probe images are read, of at most this many bytes.
constexpr size_t max_probe_images = 256;
constexpr uint64_t max_probe_bytes = 64ull << 20;

} // namespace fovea
