#include "actors/inference.hpp"

#include <caf/stateful_actor.hpp>

#include "actors/coroutine.hpp"
#include "actors/decoder.hpp"
#include "actors/model_runner.hpp"
#include "messages/online.hpp"

namespace fovea {

namespace {

struct pipeline_state {
  std::vector<decoder_actor> decoders;
  size_t next_decoder = 0;
  model_runner_actor runner;
  std::shared_ptr<worker_metrics> metrics; ///< null: off

  static inline const char* name = "fovea.inference";
};

using pipeline_pointer = inference_actor::stateful_pointer<pipeline_state>;
using rows_promise = caf::typed_response_promise<std::vector<prediction>>;

actor_flow classify(pipeline_pointer self, std::vector<image_task> tasks,
                    rows_promise promise) {
  auto& st = self->state;
  // Held from here until answered, whatever the answer.
  struct held_batch {
    worker_metrics* metrics;
    explicit held_batch(worker_metrics* m) : metrics(m) {
      if (metrics)
        metrics->batches_held(+1);
    }
    ~held_batch() {
      if (metrics)
        metrics->batches_held(-1);
    }
  } held{st.metrics.get()};
  if (st.metrics)
    st.metrics->task_batch(!tasks.empty() && is_online_job(tasks.front().job));
  auto decoder = st.decoders[st.next_decoder++ % st.decoders.size()];
  // The stages are linked to us: no timeouts (the coordinator's per-batch
  // deadline is the one that matters).
  auto decoding = ask_linked<decoded_batch>(self, decoder, decode_atom::value,
                                            std::move(tasks));
  auto decoded = co_await decoding;
  if (!decoded) {
    promise.deliver(std::move(decoded.error()));
    co_return;
  }
  auto running = ask_linked<std::vector<prediction>>(
    self, st.runner, classify_atom::value, std::move(*decoded));
  auto rows = co_await running;
  if (rows)
    promise.deliver(std::move(*rows));
  else
    promise.deliver(std::move(rows.error()));
}

inference_actor::behavior_type
pipeline(pipeline_pointer self, std::vector<decoder_actor> decoders,
         model_runner_actor runner, std::shared_ptr<worker_metrics> metrics) {
  // The stages live and die with the pipeline.
  for (auto& d : decoders)
    self->link_to(d);
  self->link_to(runner);
  self->state.decoders = std::move(decoders);
  self->state.runner = std::move(runner);
  self->state.metrics = std::move(metrics);
  return {
    [self](classify_atom, std::vector<image_task>& tasks) {
      auto promise = self->make_response_promise<std::vector<prediction>>();
      classify(self, std::move(tasks), promise);
      return promise;
    },
  };
}

} // namespace

inference_actor spawn_inference(caf::actor_system& sys,
                                std::shared_ptr<model> engine,
                                inference_options options) {
  runner_decoding decoding{options.limits, options.worker_id};
  auto runner = sys.spawn(model_runner, engine, options.batching,
                          options.metrics, std::move(decoding));
  if (options.decoders == 0)
    return runner; // it decodes for itself
  std::vector<decoder_actor> decoders;
  for (size_t i = 0; i < options.decoders; ++i)
    decoders.push_back(sys.spawn(decoder, engine->manifest(), options.limits,
                                 options.worker_id, options.metrics));
  return sys.spawn(pipeline, std::move(decoders), std::move(runner),
                   options.metrics);
}

} // namespace fovea
