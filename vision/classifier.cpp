#include "vision/classifier.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>

#include "messages/errors.hpp"

namespace fovea {

namespace {

static_assert(std::endian::native == std::endian::little,
              "pixels travel as little-endian floats, copied as they are");

// A task's preprocessed pixels into its slot: exactly the model's input
// size, every value finite (a NaN would make every probability NaN); the
// reason if not.
std::string copy_pixels(const std::vector<uint8_t>& bytes,
                        std::span<float> slot) {
  if (bytes.size() != slot.size_bytes())
    return "bad image: " + std::to_string(bytes.size() / sizeof(float))
           + " pixel values where the model takes "
           + std::to_string(slot.size());
  std::memcpy(slot.data(), bytes.data(), bytes.size());
  if (!std::all_of(slot.begin(), slot.end(),
                   [](float v) { return std::isfinite(v); }))
    return "bad image: a pixel value that is not a finite number";
  return {};
}

} // namespace

decoded_batch decode_tasks(const std::vector<image_task>& tasks,
                           const model_manifest& m,
                           const decode_limits& limits,
                           const std::string& worker_id) {
  const auto size = m.input_size();
  decoded_batch batch;
  batch.rows.reserve(tasks.size());
  batch.inputs.resize(tasks.size() * size);
  for (auto& task : tasks) {
    auto& row = batch.rows.emplace_back();
    row.job = task.job;
    row.index = task.index;
    row.attempt = task.attempt;
    row.path = task.path;
    row.worker = worker_id;
    batch.top_k.push_back(task.top_k);
    std::span<float> slot{batch.inputs.data() + batch.images.size() * size,
                          size};
    if (!task.error.empty())
      row.error = task.error; // its reference could not be read
    else if (task.is_reference() && task.bytes.empty())
      row.error = "refused: this worker reads no inputs by reference (it "
                  "has no fovea.shared-roots, s3-endpoint or http-hosts)";
    else if (task.pixels)
      row.error = copy_pixels(task.bytes, slot);
    else if (auto err = preprocess(task.bytes, m, slot, limits))
      row.error = describe(err);
    if (row.error.empty())
      batch.images.push_back(static_cast<uint32_t>(batch.rows.size() - 1));
  }
  batch.inputs.resize(batch.images.size() * size);
  return batch;
}

void label_images(decoded_batch& batch, size_t first, size_t count,
                  std::span<const float> probabilities,
                  const std::vector<std::string>& labels) {
  const auto classes = labels.size();
  for (size_t i = 0; i < count; ++i) {
    auto& row = batch.rows[batch.images[first + i]];
    auto scores = probabilities.begin() + i * classes;
    auto best = std::max_element(scores, scores + classes);
    row.label = static_cast<int32_t>(best - scores);
    row.class_name = labels[row.label];
    row.score = *best;
    auto at = batch.images[first + i];
    auto k = std::min<size_t>(at < batch.top_k.size() ? batch.top_k[at] : 0,
                              classes);
    if (k > 0) {
      std::vector<int32_t> order(classes);
      std::iota(order.begin(), order.end(), 0);
      // Ties keep the lower label first, as max_element picks the label.
      std::partial_sort(order.begin(), order.begin() + k, order.end(),
                        [&](int32_t a, int32_t b) {
                          return scores[a] > scores[b]
                                 || (scores[a] == scores[b] && a < b);
                        });
      row.top_labels.assign(order.begin(), order.begin() + k);
      row.top_scores.clear();
      for (auto label : row.top_labels)
        row.top_scores.push_back(scores[label]);
    }
  }
}

void fail_images(decoded_batch& batch, size_t first, size_t count,
                 const std::string& error) {
  for (size_t i = 0; i < count; ++i)
    batch.rows[batch.images[first + i]].error = error;
}

classifier::classifier(std::unique_ptr<model> m, std::string worker_id,
                       decode_limits limits)
  : model_(std::move(m)), worker_id_(std::move(worker_id)), limits_(limits) {
}

std::vector<prediction>
classifier::classify(const std::vector<image_task>& tasks) {
  auto batch = decode_tasks(tasks, model_->manifest(), limits_, worker_id_);
  const auto count = batch.images.size();
  if (count > 0) {
    auto probabilities = model_->infer(batch.inputs, count);
    if (probabilities)
      label_images(batch, 0, count, *probabilities, model_->labels());
    else
      fail_images(batch, 0, count, describe(probabilities.error()));
  }
  return std::move(batch.rows);
}

} // namespace fovea
