// batch_queue: the images waiting for a worker's model, across requests.
//
// Requests (decoded batches of tasks, one per coordinator batch) queue in
// arrival order, except that an urgent one (an inference request's) goes
// ahead of every job request, even one a model batch has started (its rest
// waits); a model batch takes images from the front, across request
// boundaries, so several small requests make one large forward pass and a
// large request may span two. A request is complete once every one of its
// images has been through the model. Plain logic for the model runner actor,
// which owns one; no threads, no actors.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vision/decoded_batch.hpp"

namespace fovea {

class batch_queue {
public:
  using clock = std::chrono::steady_clock;
  using ticket = uint64_t;

  /// One forward pass: its inputs back to back, and which images they are.
  struct model_batch {
    std::vector<float> inputs;
    size_t count = 0;
    struct piece {
      size_t entry; ///< position in the queue when taken
      size_t first; ///< first image of that request
      size_t count;
    };
    std::vector<piece> pieces;
  };

  explicit batch_queue(size_t input_size) : input_size_(input_size) {}

  /// Queues a request that has at least one image; returns its ticket.
  /// An urgent one goes behind the urgent ones before it, ahead of every
  /// other (a started one's untaken images included).
  ticket push(decoded_batch batch, clock::time_point now,
              bool urgent = false);

  /// Images queued and not yet taken.
  size_t images() const noexcept { return untaken_; }

  /// Untaken images from the front through the last urgent request that
  /// has some: a model batch of these answers every urgent request now
  /// (0: none waits).
  size_t through_urgent() const;

  /// When the oldest request with untaken images arrived.
  clock::time_point oldest() const;

  /// Takes `count` (<= images()) images from the front into one batch.
  model_batch take(size_t count);

  /// A request whose every image has been through the model.
  struct completed {
    ticket id;
    std::vector<prediction> rows;
    /// Non-empty if the model failed on any of its images: a failure of
    /// the model, not of the inputs, so the request fails whole and its
    /// tasks are retried elsewhere rather than answered with error rows.
    std::string failure;
  };

  /// Fills in the rows of a taken batch from the model's class
  /// probabilities (count x labels.size()), or notes `error` if the model
  /// failed; returns the requests this completed.
  std::vector<completed> finish(const model_batch& batch,
                                std::span<const float> probabilities,
                                const std::vector<std::string>& labels,
                                const std::string& error);

private:
  struct entry {
    ticket id;
    decoded_batch batch;
    clock::time_point arrived;
    size_t taken = 0; ///< images handed to a model batch
    size_t done = 0;  ///< images labelled
    std::string failure; ///< the model's, on some of its images
    bool urgent = false;
  };

  size_t input_size_;
  std::deque<entry> entries_;
  size_t untaken_ = 0;
  ticket next_ = 1;
};

} // namespace fovea
