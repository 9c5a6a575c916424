#include "actors/batch_queue.hpp"

#include <algorithm>
#include <cassert>
#include <optional>

#include "vision/classifier.hpp"

namespace fovea {

batch_queue::ticket batch_queue::push(decoded_batch batch,
                                      clock::time_point now, bool urgent) {
  assert(!batch.images.empty());
  untaken_ += batch.images.size();
  auto at = entries_.end();
  // Model batches take from the front: an urgent request goes behind the
  // urgent ones before it and ahead of every job request, even one a pass
  // has started (its rest waits a pass): else the next pass would carry
  // that rest, up to a whole batch of the jobs' images, before it.
  if (urgent)
    at = std::find_if(entries_.begin(), entries_.end(),
                      [](const entry& e) { return !e.urgent; });
  entries_.insert(at, entry{next_, std::move(batch), now, 0, 0, {}, urgent});
  return next_++;
}

batch_queue::clock::time_point batch_queue::oldest() const {
  // Not the front's: an urgent request may be ahead of older ones.
  std::optional<clock::time_point> first;
  for (auto& e : entries_)
    if (e.taken < e.batch.images.size() && (!first || e.arrived < *first))
      first = e.arrived;
  return first.value_or(clock::now());
}

size_t batch_queue::through_urgent() const {
  size_t images = 0;
  size_t through = 0;
  for (auto& e : entries_) {
    images += e.batch.images.size() - e.taken;
    if (e.urgent && e.taken < e.batch.images.size())
      through = images;
  }
  return through;
}

batch_queue::model_batch batch_queue::take(size_t count) {
  model_batch out;
  out.count = std::min(count, untaken_);
  out.inputs.reserve(out.count * input_size_);
  size_t wanted = out.count;
  for (size_t i = 0; i < entries_.size() && wanted > 0; ++i) {
    auto& e = entries_[i];
    auto left = e.batch.images.size() - e.taken;
    if (left == 0)
      continue;
    auto n = std::min(left, wanted);
    auto from = e.batch.inputs.begin() + e.taken * input_size_;
    out.inputs.insert(out.inputs.end(), from, from + n * input_size_);
    out.pieces.push_back({i, e.taken, n});
    e.taken += n;
    wanted -= n;
  }
  untaken_ -= out.count;
  return out;
}

std::vector<batch_queue::completed> batch_queue::finish(const model_batch& batch,
                    std::span<const float> probabilities,
                    const std::vector<std::string>& labels,
                    const std::string& error) {
  size_t offset = 0;
  for (auto& piece : batch.pieces) {
    auto& e = entries_[piece.entry];
    if (error.empty())
      label_images(e.batch, piece.first, piece.count,
                   probabilities.subspan(offset * labels.size(),
                                         piece.count * labels.size()),
                   labels);
    else if (e.failure.empty())
      e.failure = error;
    e.done += piece.count;
    offset += piece.count;
  }
  // An urgent request may finish ahead of one started before it: the
  // finished ones leave from wherever they are, in queue order.
  std::vector<completed> complete;
  auto finished = [](const entry& e) {
    return e.done == e.batch.images.size();
  };
  for (auto& e : entries_)
    if (finished(e))
      complete.push_back({e.id, std::move(e.batch.rows), std::move(e.failure)});
  std::erase_if(entries_, finished);
  return complete;
}

} // namespace fovea
