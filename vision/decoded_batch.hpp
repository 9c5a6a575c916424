// decoded_batch: a batch of tasks after decoding, on its way from a worker's
// decoder to its model runner. Never leaves the worker's process.
//
// `rows` has one prediction per task, in task order, with the task's
// identity filled in and `error` set for inputs that did not decode;
// `images` names the rows that did, and `inputs` holds their preprocessed
// pixels back to back (input_size floats each, in the order of `images`).
#pragma once

#include <cstdint>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/prediction.hpp"

namespace fovea {

struct decoded_batch {
  std::vector<prediction> rows;
  std::vector<uint32_t> images; ///< indexes into rows
  std::vector<float> inputs;
  std::vector<uint32_t> top_k; ///< per row: its task's top_k
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, decoded_batch& x) {
  return f(caf::meta::type_name("decoded_batch"), x.rows, x.images, x.inputs,
           x.top_k);
}

} // namespace fovea
