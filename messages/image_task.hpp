// image_task: one input image on its way to a worker.
//
// Carries either the encoded file bytes (not pixels), so workers need no
// shared file system and the coordinator never decodes, or a reference to
// where the bytes already live (a shared file system, S3, HTTPS), which the
// worker reads itself: such a task carries no bytes through the
// coordinator. (job, index) names the input uniquely across the cluster;
// `attempt` counts dispatches of the same input, so a late answer to an
// earlier attempt can be told apart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace fovea {

/// Where a worker finds a task's bytes: in the task, or at `path`, read by
/// the worker within what it allows (storage/reference_reader.hpp).
enum class reference_kind : uint8_t {
  none = 0,   ///< the bytes travel in the task
  shared = 1, ///< an absolute path every worker mounts
  s3 = 2,     ///< "s3://BUCKET/KEY", from the workers' S3 endpoint
  https = 3,  ///< an https:// URL
};

/// "shared", "s3" or "https" ("bytes" for none).
const char* to_string(reference_kind kind);

struct image_task {
  uint64_t job = 0;
  uint64_t index = 0; ///< position of the input in its job, 0-based
  uint32_t attempt = 0;
  std::string path; ///< as the user named it; echoed into the result row
  std::vector<uint8_t> bytes;
  /// Non-empty when the client already knows the input is bad (missing,
  /// unreadable): the coordinator records it as an error row at once.
  std::string error;
  /// Classes its answer ranks, best first (its job's --top-k; 0: none, the
  /// best is in label and score anyway). Set by the coordinator.
  uint32_t top_k = 0;
  /// Not none: `path` is a reference and `bytes` is empty; the worker reads.
  reference_kind reference = reference_kind::none;
  /// Set by the coordinator on a reference whose row a resumed job's
  /// journal holds: the version of the object that row was read from
  /// (prediction::source_version). A worker that finds the object still
  /// at it answers `unchanged` rather than reading and classifying again.
  std::string known_version;
  /// `bytes` hold the model's input already preprocessed: channels x
  /// height x width little-endian FP32 values, not an encoded image (an
  /// inference request's "input" tensor; the worker checks the size).
  bool pixels = false;

  bool is_reference() const noexcept {
    return reference != reference_kind::none;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_task& x) {
  return f(caf::meta::type_name("image_task"), x.job, x.index, x.attempt,
           x.path, x.bytes, x.error, x.top_k, x.reference, x.known_version,
           x.pixels);
}

} // namespace fovea
