#include "vision/classifier.hpp"

#include <algorithm>

#include "messages/errors.hpp"
#include "vision/preprocess.hpp"

namespace fovea {

classifier::classifier(std::unique_ptr<model> m, std::string worker_id,
                       decode_limits limits)
  : model_(std::move(m)), worker_id_(std::move(worker_id)), limits_(limits) {
}

std::vector<prediction>
classifier::classify(const std::vector<image_task>& tasks) {
  const auto size = model_->manifest().input_size();
  std::vector<prediction> rows;
  rows.reserve(tasks.size());
  std::vector<size_t> decoded; // indexes into rows of tasks in the batch
  inputs_.resize(tasks.size() * size);
  for (auto& task : tasks) {
    auto& row = rows.emplace_back();
    row.job = task.job;
    row.index = task.index;
    row.attempt = task.attempt;
    row.path = task.path;
    row.worker = worker_id_;
    std::span<float> slot{inputs_.data() + decoded.size() * size, size};
    if (auto err = preprocess(task.bytes, model_->manifest(), slot, limits_))
      row.error = describe(err);
    else
      decoded.push_back(rows.size() - 1);
  }
  if (decoded.empty())
    return rows;
  std::span<const float> batch{inputs_.data(), decoded.size() * size};
  auto probabilities = model_->infer(batch, decoded.size());
  const auto classes = model_->labels().size();
  for (size_t i = 0; i < decoded.size(); ++i) {
    auto& row = rows[decoded[i]];
    if (!probabilities) {
      row.error = describe(probabilities.error());
      continue;
    }
    auto first = probabilities->begin() + i * classes;
    auto best = std::max_element(first, first + classes);
    row.label = static_cast<int32_t>(best - first);
    row.class_name = model_->labels()[row.label];
    row.score = *best;
  }
  return rows;
}

} // namespace fovea
