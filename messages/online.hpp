// online: the coordinator's inference requests (the Open Inference
// Protocol's, edge/oip_rest.hpp), as the node's own gateway sends them to
// its coordinator, and the models it can answer them with.
//
// Only actors of the coordinator's own process make these requests (the
// gateway behind fovea.oip-http): the coordinator refuses them from any
// other node, so `principal` is the gateway's word for whose certificate
// the request came with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/image_task.hpp"

namespace fovea {

/// Jobs from this id up are a coordinator's online jobs (one per model it
/// answers inference requests for), never a client's: a worker tells
/// online batches from job batches by it, for its metrics.
inline constexpr uint64_t first_online_job = uint64_t{1} << 62;

inline bool is_online_job(uint64_t job) noexcept {
  return job >= first_online_job;
}

struct online_request {
  /// Names the request to its gateway (unique in the process): the
  /// gateway abandons it by this key.
  uint64_t key = 0;
  std::string model; ///< NAME or NAME@VERSION
  /// Whom per-client quotas count it against: a certificate's name, or
  /// the gateway's word for an unauthenticated client.
  std::string principal;
  /// How long it may take in all; past it the answer is an error.
  uint32_t timeout_ms = 0;
  /// One per batch element, in order; job, index and top_k are the
  /// coordinator's to set.
  std::vector<image_task> tasks;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, online_request& x) {
  return f(caf::meta::type_name("online_request"), x.key, x.model,
           x.principal, x.timeout_ms, x.tasks);
}

/// A model some registered worker serves, as the inference protocol
/// describes it.
struct served_model {
  std::string name;
  std::string version;
  uint32_t classes = 0;
  uint32_t width = 0; ///< 0: its workers did not say
  uint32_t height = 0;
  uint32_t channels = 0;
  std::vector<std::string> labels; ///< empty, or one per class
  uint32_t workers = 0; ///< registered workers that take new work
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, served_model& x) {
  return f(caf::meta::type_name("served_model"), x.name, x.version,
           x.classes, x.width, x.height, x.channels, x.labels, x.workers);
}

} // namespace fovea
