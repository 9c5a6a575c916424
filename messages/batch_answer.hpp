// batch_answer: a worker's answer to one batch of tasks: one row per task,
// in task order, errors included, and what the worker saw of its own load
// when the batch came, from which the coordinator sizes the worker's
// credit to the round trip between them (jobs/scheduler.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/prediction.hpp"

namespace fovea {

struct batch_answer {
  std::vector<prediction> rows;
  /// How long the worker had held no batch at all when this one came, in
  /// microseconds (0: it was still working on others). A worker starved
  /// while its whole credit was out wants more credit.
  uint32_t starved_us = 0;
  /// Batches it held, not yet answered, when this one came: more than a
  /// couple waiting means it holds more than it needs.
  uint32_t queued_ahead = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_answer& x) {
  return f(caf::meta::type_name("batch_answer"), x.rows, x.starved_us,
           x.queued_ahead);
}

} // namespace fovea
