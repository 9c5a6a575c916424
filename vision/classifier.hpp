// classifier: a batch of image tasks in, one prediction per task out.
//
// Plain logic, no actor: decode and preprocess every task, run the valid ones
// through the model as one batch, and turn each into a result row. A task
// that cannot be decoded becomes an error row; it never fails the batch, and
// the output always has exactly one prediction per task, in input order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "messages/image_task.hpp"
#include "messages/prediction.hpp"
#include "vision/model.hpp"
#include "vision/preprocess.hpp"

namespace fovea {

class classifier {
public:
  classifier(std::unique_ptr<model> m, std::string worker_id,
             decode_limits limits = {});

  std::vector<prediction> classify(const std::vector<image_task>& tasks);

  const model& loaded_model() const noexcept { return *model_; }

private:
  std::unique_ptr<model> model_;
  std::string worker_id_;
  decode_limits limits_;
  std::vector<float> inputs_; ///< reused between batches
};

} // namespace fovea
