// The reference stage: an inference actor in front of another that first
// reads the inputs of a batch that travel as references (shared files, S3
// objects, HTTPS URLs; storage/reference_reader.hpp), then hands the batch
// on with their bytes.
//
//   classify(tasks) --> reference stage --(tasks with bytes)--> inference
//                       (reads in flight                        (decode,
//                        on the reader's threads)                model)
//
// Guarantees:
//   - A batch without references goes straight on (delegated: no copy, no
//     extra reply hop).
//   - The stage holds no thread while a batch's reads are in flight: a
//     worker with many batches in hand reads them all at once, bounded by
//     the reader's limits, while the model runs.
//   - A reference that cannot be read is its input's error row; a store
//     that did not answer fails the batch with storage_unavailable, which
//     the coordinator takes as no fault of the inputs.
//   - Each row of a referenced input names the version of the object it
//     came from (prediction::source_version). An object still at the
//     version its task names (a resumed job's) is answered `unchanged`
//     without the model: the coordinator records the row it journaled.
//   - The stage and the actor behind it live and die together.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/inference.hpp"
#include "storage/reference_reader.hpp"

namespace fovea {

inference_actor spawn_reference_stage(caf::actor_system& sys,
                                      inference_actor next,
                                      std::shared_ptr<reference_reader> reader);

} // namespace fovea
