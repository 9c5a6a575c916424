// The inference actor: what a worker hands its batches to. One prediction
// per task, in task order, errors as rows.
//
// With decoders = 0 (the default) it is the model runner itself, which
// decodes each request as it arrives and merges the requests that queued
// during a forward pass into the next one. With D decoders, a pipeline of
// its own actors stands in front:
//
//   classify(tasks) --> decoder 1..D --(decoded_batch)--> model runner
//                       (OpenCV, round robin)             (LibTorch, dynamic
//                                                          batching)
//
// and while the model runs one batch, the decoders prepare the next ones (a
// worker with slots >= 2 holds that many batches). That pays only where a
// core would otherwise idle: on a 2-core machine running two 1-thread
// workers, it cost 52,000 more context switches per 50,000 images and no
// throughput (fovea classify, Fashion-MNIST).
//
// Decoders and the runner block a scheduler thread per batch, so whoever
// spawns an inference actor reserves blocking_threads() extra threads
// (fovea_config::reserve_threads_for_inference). They are not `detached`:
// in CAF 0.17 a detached actor's thread waits at shutdown until no one
// references the actor, and a reply still queued in the middleman for a
// dropped connection holds such a reference until after that wait: the
// process would hang.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"
#include "metrics/worker_metrics.hpp"
#include "vision/batching_policy.hpp"
#include "vision/model.hpp"
#include "vision/preprocess.hpp"

namespace fovea {

/// Classifies batches, as a worker does; nothing else.
using inference_actor = caf::typed_actor<caf::replies_to<
  classify_atom, std::vector<image_task>>::with<std::vector<prediction>>>;

struct inference_options {
  std::string worker_id; ///< written into every row
  decode_limits limits;
  /// Knobs of the runner's dynamic batching (the model's, unless the
  /// worker's config overrides them).
  batching_policy batching;
  /// Decode threads beside the model runner; 0: the runner decodes each
  /// request itself as it arrives (model_runner.hpp says when that wins).
  size_t decoders = 0;
  /// The model's series on the node's /metrics; null: metrics are off.
  std::shared_ptr<worker_metrics> metrics;
};

/// Extra scheduler threads an inference actor's pipeline blocks.
inline size_t blocking_threads(const inference_options& options) {
  return options.decoders + 1;
}

/// Spawns the pipeline around `engine`, which only its runner then uses.
inference_actor spawn_inference(caf::actor_system& sys,
                                std::shared_ptr<model> engine,
                                inference_options options);

} // namespace fovea
