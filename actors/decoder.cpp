#include "actors/decoder.hpp"

#include <chrono>

#include "vision/classifier.hpp"

namespace fovea {

decoded_batch decode_counted(const std::vector<image_task>& tasks,
                             const model_manifest& manifest,
                             const decode_limits& limits,
                             const std::string& worker_id,
                             worker_metrics* metrics) {
  if (!metrics)
    return decode_tasks(tasks, manifest, limits, worker_id);
  auto start = std::chrono::steady_clock::now();
  auto batch = decode_tasks(tasks, manifest, limits, worker_id);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  metrics->decoded(batch.images.size(),
                   batch.rows.size() - batch.images.size(), took.count());
  return batch;
}

decoder_actor::behavior_type
decoder(decoder_actor::stateful_pointer<decoder_state> self,
        model_manifest manifest, decode_limits limits, std::string worker_id,
        std::shared_ptr<worker_metrics> metrics) {
  self->state.manifest = std::move(manifest);
  self->state.limits = limits;
  self->state.worker_id = std::move(worker_id);
  self->state.metrics = std::move(metrics);
  return {
    [self](decode_atom, const std::vector<image_task>& tasks) {
      auto& st = self->state;
      return decode_counted(tasks, st.manifest, st.limits, st.worker_id,
                            st.metrics.get());
    },
  };
}

} // namespace fovea
