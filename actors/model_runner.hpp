// The model runner actor: a worker's one user of its model, with dynamic
// batching (batching_policy: max batch size, preferred sizes, max queue
// delay; see vision/batching_policy.hpp).
//
// Decoded requests queue in a batch_queue. The runner never starts a
// forward pass from inside the handler that queued a request: it sends
// itself a flush message, which lands behind everything already in its
// mailbox, so the requests that arrived during the last forward pass all
// join the next one. Each request is answered once all its images are done.
//
// A runner may also decode: given raw tasks (a worker with decode-threads
// = 0), it decodes them on its own thread as they arrive, between forward
// passes. On a machine whose cores all run forward passes a separate
// decoder thread gains nothing (it takes its core time from a forward
// pass) and costs a hand-off per batch: two messages, and a thread woken
// that preempts a forward pass.
//
// Idle, it warms the batch sizes its model has not run yet, one per
// flush, so the worker registers once the first sizes are warm and a
// request waits behind one warm-up pass at most.
//
// A forward pass blocks a scheduler thread (see inference.hpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/batch_queue.hpp"
#include "actors/local_types.hpp"
#include "messages/image_task.hpp"
#include "messages/type_ids.hpp"
#include "vision/batching_policy.hpp"
#include "metrics/worker_metrics.hpp"
#include "vision/model.hpp"
#include "vision/preprocess.hpp"

namespace fovea {

using model_runner_actor = caf::typed_actor<
  caf::replies_to<classify_atom, std::vector<image_task>>::with<
    std::vector<prediction>>,
  caf::replies_to<classify_atom, decoded_batch>::with<std::vector<prediction>>,
  caf::reacts_to<flush_atom>>;

/// What a runner needs to decode raw tasks itself (besides its model's
/// manifest).
struct runner_decoding {
  decode_limits limits;
  std::string worker_id; ///< written into every row
};

struct model_runner_state {
  std::shared_ptr<model> engine; ///< used by this actor's thread only
  batching_policy policy;
  std::optional<batch_queue> queue;
  struct request {
    caf::typed_response_promise<std::vector<prediction>> promise;
    bool held; ///< counted in the worker's batches in flight
  };
  std::map<batch_queue::ticket, request> waiting;
  bool flush_sent = false;          ///< a flush is in the mailbox
  bool urgent_flush_sent = false;   ///< one is in its urgent queue
  bool delayed_flush_armed = false; ///< a flush will come after the delay
  std::shared_ptr<worker_metrics> metrics; ///< null: off
  runner_decoding decoding;
  /// When an inference request last arrived: for a while after, the jobs'
  /// passes are shorter, so the next request waits less for one to end.
  std::chrono::steady_clock::time_point last_urgent{};

  /// Counts `change` more batches held (a runner that decodes for itself
  /// is the worker's inference actor: it keeps the gauge a pipeline would).
  void hold(long change) {
    if (metrics)
      metrics->batches_held(change);
  }
  ~model_runner_state() { // what is unanswered when the actor ends
    for (auto& [ticket, r] : waiting)
      if (r.held)
        hold(-1);
  }

  static inline const char* name = "fovea.model_runner";
};

model_runner_actor::behavior_type
model_runner(model_runner_actor::stateful_pointer<model_runner_state> self,
             std::shared_ptr<model> engine,
             batching_policy policy, std::shared_ptr<worker_metrics> metrics,
             runner_decoding decoding);

} // namespace fovea
