// batching_policy: when a worker's model runner starts a model batch, and
// how large it makes it. The knobs are those of Triton's dynamic batcher:
//
// - max_batch_size: never more images than this in one forward pass;
// - preferred_batch_sizes: if the queue holds at least one of these, run at
//   once with the largest that fits, without waiting;
// - max_queue_delay: otherwise wait at most this long, from the arrival of
//   the oldest queued image, for more images to join; then run what is there.
//
// A model's model.ini says what suits it ([batching]); a worker's config may
// override each knob. Images that arrive while a batch runs always join the
// next one, so a busy runner batches by itself: the delay only matters when
// it is idle and the queue is short.
#pragma once

#include <chrono>
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace fovea {

struct batching_policy {
  size_t max_batch_size = 64;
  std::vector<size_t> preferred_batch_sizes; ///< ascending, each <= max
  std::chrono::microseconds max_queue_delay{1000};

  /// How many of `queued` images to run now, or 0 to wait for more.
  /// `waited` is how long the oldest queued image has been waiting.
  size_t batch_to_run(size_t queued, std::chrono::microseconds waited) const {
    if (queued == 0)
      return 0;
    if (queued >= max_batch_size)
      return max_batch_size;
    for (auto i = preferred_batch_sizes.rbegin();
         i != preferred_batch_sizes.rend(); ++i)
      if (*i <= queued)
        return *i;
    return waited >= max_queue_delay ? queued : 0;
  }

  /// What is wrong with these knobs, or an empty string. Sorts the
  /// preferred sizes.
  std::string check() {
    if (max_batch_size < 1 || max_batch_size > 4096)
      return "max-batch-size must be from 1 to 4096";
    std::sort(preferred_batch_sizes.begin(), preferred_batch_sizes.end());
    for (auto size : preferred_batch_sizes)
      if (size < 1 || size > max_batch_size)
        return "preferred-batch-sizes must each be from 1 to max-batch-size";
    if (max_queue_delay.count() < 0 || max_queue_delay > std::chrono::seconds(10))
      return "max-queue-delay must be from 0 to 10s";
    return {};
  }
};

} // namespace fovea
