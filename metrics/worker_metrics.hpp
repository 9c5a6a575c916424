// worker_metrics: one served model's work on a worker, for /metrics.
//
// Guarantees: every series carries the model's name@version; the runner
// records each forward pass (one histogram observation per pass, not per
// image) and the decoder each decoded task batch, so the cost per image is
// a fraction of one atomic add. Shared by the actors of one model's
// pipeline; the node_metrics it registers in outlives them.
#pragma once

#include <cstddef>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "metrics/node_metrics.hpp"

namespace fovea {

class worker_metrics {
public:
  worker_metrics(node_metrics& node, const std::string& model);

  /// A forward pass of `images` images took `seconds`.
  void forward_pass(size_t images, double seconds);
  /// A batch of tasks was decoded in `seconds`: `ok` images for the model,
  /// `failed` error rows (undecodable, too large, unreadable).
  void decoded(size_t ok, size_t failed, double seconds);
  /// Rows a forward pass could not label (the model failed).
  void failed_images(size_t images) { images_error_.Increment(images); }
  /// Task batches this worker holds now, from the coordinator.
  void batches_held(long change) { in_flight_.Increment(change); }
  /// A task batch came from the coordinator: inference requests' (online)
  /// or a job's.
  void task_batch(bool online) {
    (online ? online_batches_ : job_batches_).Increment();
  }

private:
  prometheus::Counter& batches_;
  prometheus::Histogram& batch_size_;
  prometheus::Histogram& forward_seconds_;
  prometheus::Histogram& decode_seconds_;
  prometheus::Counter& images_ok_;
  prometheus::Counter& images_error_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& online_batches_;
  prometheus::Counter& job_batches_;
};

} // namespace fovea
