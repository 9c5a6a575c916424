// Image tasks in, result rows out, in two steps a worker runs on different
// threads: decode_tasks (OpenCV, per task) and label_images (the model's
// probabilities for a run of decoded images -> labels). A task that cannot
// be decoded becomes an error row; it never fails its batch, and a batch
// always has exactly one row per task, in task order.
//
// `classifier` joins the two around one model for callers that want the
// whole thing on one thread (tests, tools).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vision/decoded_batch.hpp"
#include "messages/image_task.hpp"
#include "messages/prediction.hpp"
#include "vision/model.hpp"
#include "vision/preprocess.hpp"

namespace fovea {

/// Decodes and preprocesses every task as `m` says.
decoded_batch decode_tasks(const std::vector<image_task>& tasks,
                           const model_manifest& m,
                           const decode_limits& limits,
                           const std::string& worker_id);

/// Labels the rows of images `first` .. `first + count - 1` of `batch` (in
/// the order of batch.images) from their class probabilities, count x
/// labels.size() floats row by row; a row whose task asked for top_k > 0
/// also gets its best min(top_k, classes) labels and scores, best first.
void label_images(decoded_batch& batch, size_t first, size_t count,
                  std::span<const float> probabilities,
                  const std::vector<std::string>& labels);

/// Gives those rows `error` instead (the model failed on their batch).
void fail_images(decoded_batch& batch, size_t first, size_t count,
                 const std::string& error);

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
};

} // namespace fovea
