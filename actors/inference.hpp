// The inference actor: runs a classifier on batches of tasks.
//
// LibTorch and OpenCV calls block a thread for a whole batch, so whoever
// spawns inference actors gives CAF's scheduler one extra thread for each
// (fovea_config::reserve_threads_for_inference). Not `detached`: in CAF 0.17
// a detached actor's thread waits at shutdown until no one references the
// actor, and a reply still queued in the middleman for a dropped connection
// holds such a reference until after that wait: the process would hang. It
// answers exactly like a worker: one prediction per task, errors as rows.
#pragma once

#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"
#include "vision/classifier.hpp"

namespace fovea {

/// Classifies batches, as a worker does; nothing else.
using inference_actor = caf::typed_actor<caf::replies_to<
  classify_atom, std::vector<image_task>>::with<std::vector<prediction>>>;

struct inference_state {
  std::shared_ptr<classifier> engine; ///< used by this actor's thread only

  static inline const char* name = "fovea.inference";
};

inference_actor::behavior_type
inference(inference_actor::stateful_pointer<inference_state> self,
          std::shared_ptr<classifier> engine);

} // namespace fovea
