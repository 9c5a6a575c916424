// worker_info: what a worker tells the coordinator when it registers: who
// it is, its model and what that model takes and answers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/protocol.hpp"

namespace fovea {

struct worker_info {
  std::string id;    ///< unique within the cluster (default: host-pid)
  std::string host;  ///< where the worker runs, for operators
  std::string model; ///< model name and version from its model.ini
  uint32_t slots = 1; ///< task batches it accepts at once: its credit
  /// Classes its model outputs: every label it answers is below this.
  uint32_t classes = 0;
  /// SHA-256 of its model.pt, 64 hex digits: which model its answers are
  /// from (a journal resumes only on the model it began with).
  std::string model_digest;
  uint32_t protocol = protocol_version; ///< the version it speaks
  /// What its model takes: preprocessed images of channels x height x
  /// width (0: not said), for clients that send pixels, not files.
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t channels = 0;
  /// Its classes' names in output order: empty, or `classes` of them.
  std::vector<std::string> labels;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_info& x) {
  return f(caf::meta::type_name("worker_info"), x.id, x.host, x.model,
           x.slots, x.classes, x.model_digest, x.protocol, x.width,
           x.height, x.channels, x.labels);
}

} // namespace fovea
