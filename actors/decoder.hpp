// The decoder actor: turns a batch of image tasks into model inputs
// (OpenCV decode, colour conversion, resize, normalisation), so that a
// worker decodes its next batch while the model runs the current one.
//
// Decoding blocks a scheduler thread for the batch, so whoever spawns
// decoders reserves a thread for each (see inference.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/local_types.hpp"
#include "messages/image_task.hpp"
#include "messages/type_ids.hpp"
#include "metrics/worker_metrics.hpp"
#include "vision/manifest.hpp"
#include "vision/preprocess.hpp"

namespace fovea {

using decoder_actor = caf::typed_actor<caf::replies_to<
  decode_atom, std::vector<image_task>>::with<decoded_batch>>;

struct decoder_state {
  model_manifest manifest;
  decode_limits limits;
  std::string worker_id; ///< written into every row
  std::shared_ptr<worker_metrics> metrics; ///< null: off

  static inline const char* name = "fovea.decoder";
};

/// decode_tasks, timed into `metrics` (if not null): what a decoder does
/// with each request, and a model runner that decodes for itself.
decoded_batch decode_counted(const std::vector<image_task>& tasks,
                             const model_manifest& manifest,
                             const decode_limits& limits,
                             const std::string& worker_id,
                             worker_metrics* metrics);

decoder_actor::behavior_type
decoder(decoder_actor::stateful_pointer<decoder_state> self,
        model_manifest manifest, decode_limits limits, std::string worker_id,
        std::shared_ptr<worker_metrics> metrics);

} // namespace fovea
