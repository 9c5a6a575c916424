// graph_verdicts: the outcome of a graph check (graph_choice.hpp), kept on
// disk so that the next load of the same model on the same machine skips
// the probe passes, as TensorRT keeps its engines and OpenVINO its
// compiled models.
//
// Why: a worker's check runs the plain graph and the optimized one over the
// model's probe images. For the shipped model that took 95 ms of a 0.8 s
// start (`fovea classify` of one image, eight runs alternating,
// 2026-12-03), and it grows with the model and its probe set.
//
// Guarantees:
//   - A verdict answers one key only: the SHA-256 of everything the check
//     depends on (graph_check_key in graph_choice.hpp). Another key, a
//     missing file, a damaged or truncated one, or one this build cannot
//     read is a miss, and the check runs again; never an error.
//   - Each file holds the key it answers and a CRC-32 of its
//     Boost.Serialization payload; it is written to a temporary file and
//     renamed, so a reader sees a whole verdict or none.
//   - Only a folder owned by this user and writable by no one else is read
//     or written, and only regular files owned by this user in it: another
//     user's verdict could make a worker serve a graph nobody checked.
//   - At most max_kept_verdicts files: writing one removes the oldest past
//     that.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "vision/torch_runtime.hpp"

namespace fovea {

struct graph_verdict {
  graph_form form = graph_form::plain;
  std::string note; ///< the check's own line, as choose_graph wrote it
};

constexpr size_t max_kept_verdicts = 64;

class graph_verdicts {
public:
  /// Verdicts in `folder`/graph-checks; an empty folder keeps none.
  explicit graph_verdicts(std::filesystem::path folder);

  /// Whether verdicts are read and written at all.
  bool on() const noexcept { return !folder_.empty(); }

  /// Where verdicts live (for the log); empty when off.
  const std::filesystem::path& folder() const noexcept { return folder_; }

  /// The verdict kept for `key`, if there is a sound one.
  std::optional<graph_verdict> find(const std::string& key) const;

  /// Keeps `verdict` for `key`; returns the empty string, or why not.
  std::string keep(const std::string& key, const graph_verdict& verdict) const;

private:
  std::filesystem::path folder_;
};

/// Where verdicts go unless fovea.graph-cache says otherwise:
/// $CACHE_DIRECTORY (systemd's CacheDirectory=), else $XDG_CACHE_HOME/fovea,
/// else $HOME/.cache/fovea; empty if none is set.
std::filesystem::path default_cache_folder();

/// The folder fovea.graph-cache names: "off" is none, empty is the
/// default.
std::filesystem::path graph_cache_folder(const std::string& setting);

} // namespace fovea
