#include "actors/decoder.hpp"

#include "vision/classifier.hpp"

namespace fovea {

decoder_actor::behavior_type
decoder(decoder_actor::stateful_pointer<decoder_state> self,
        model_manifest manifest, decode_limits limits, std::string worker_id) {
  self->state.manifest = std::move(manifest);
  self->state.limits = limits;
  self->state.worker_id = std::move(worker_id);
  return {
    [self](decode_atom, const std::vector<image_task>& tasks) {
      auto& st = self->state;
      return decode_tasks(tasks, st.manifest, st.limits, st.worker_id);
    },
  };
}

} // namespace fovea
