#include "actors/inference.hpp"

namespace fovea {

inference_actor::behavior_type
inference(inference_actor::stateful_pointer<inference_state> self,
          std::shared_ptr<classifier> engine) {
  self->state.engine = std::move(engine);
  return {
    [self](classify_atom, const std::vector<image_task>& tasks) {
      return self->state.engine->classify(tasks);
    },
  };
}

} // namespace fovea
