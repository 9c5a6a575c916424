// prediction: the outcome for one input, which is one row of the results file.
//
// Either `error` is empty and label/class_name/score hold the model's top
// class, or `error` says why there is no label and `label` is -1. Both are
// results: an input that failed is accounted for, never dropped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace fovea {

struct prediction {
  uint64_t job = 0;
  uint64_t index = 0;
  uint32_t attempt = 0;
  std::string path;
  int32_t label = -1;
  std::string class_name;
  float score = 0; ///< softmax probability of `label`
  std::string worker; ///< id of the worker that produced this row
  std::string error;
  /// name@version of the model the job ran on (set by the coordinator,
  /// whatever a worker says; empty for rows recorded before it was chosen)
  std::string model;
  /// With a task's top_k > 0: the best min(top_k, classes) classes and
  /// their scores, best first (the first is label and score).
  std::vector<int32_t> top_labels;
  std::vector<float> top_scores;
  /// For a referenced input: the version of the object as the worker read
  /// it (S3 and HTTPS: its ETag, quotes included; shared files: size and
  /// modification time), so that a resumed job can tell whether it changed;
  /// unknown_source_version if the worker read none (refused, absent, no
  /// ETag). Empty for an input whose bytes travelled in its task.
  std::string source_version;
  /// The worker found the object still at its task's known_version and did
  /// not classify it again: the coordinator records the journaled row.
  bool unchanged = false;

  bool ok() const noexcept { return error.empty(); }
};

/// The source version of a reference whose version the worker does not
/// know: never taken as unchanged.
inline constexpr const char* unknown_source_version = "-";

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prediction& x) {
  return f(caf::meta::type_name("prediction"), x.job, x.index, x.attempt,
           x.path, x.label, x.class_name, x.score, x.worker, x.error,
           x.model, x.top_labels, x.top_scores, x.source_version,
           x.unchanged);
}

} // namespace fovea
