// coordinator_metrics: the cluster as a coordinator sees it, for /metrics.
//
// Guarantees: counters only grow; a job's result series (fovea_results_total
// with job_id and job_name) exist from its opening until it leaves the
// coordinator's recent-jobs history, so that memory stays bounded however
// many jobs a coordinator runs; gauges (workers, jobs, queue, batches in
// flight) are sampled from the coordinator's state by its own actor, never
// read across threads. The per-result cost is one atomic add.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "metrics/node_metrics.hpp"

namespace fovea {

/// A job's result counters, made when it opens.
struct job_result_counters {
  prometheus::Counter* ok = nullptr;
  prometheus::Counter* error = nullptr;
  prometheus::Counter* poison = nullptr;
};

/// What the coordinator's periodic sample reads off its state.
struct cluster_sample {
  size_t workers_registered = 0; ///< draining ones included
  size_t workers_draining = 0;
  size_t jobs_running = 0;
  size_t queued_tasks = 0;
  size_t held_bytes = 0; ///< queued and in flight
  size_t batches_in_flight = 0;
  uint64_t tasks_sent_again = 0; ///< the scheduler's count since start
  size_t jobs_paused_on_storage = 0; ///< their inputs' store does not answer
  size_t inference_requests = 0; ///< inference requests held
  uint64_t inference_bytes = 0;  ///< and what they are charged
};

class coordinator_metrics {
public:
  /// `queue_bytes_limit`: fovea.max-queued-bytes, exported as
  /// fovea_queue_bytes_limit so that an alert can compare the queue with it.
  explicit coordinator_metrics(node_metrics& node,
                               uint64_t queue_bytes_limit = 0);

  job_result_counters open_job(uint64_t id, const std::string& name);
  /// The job's series go (it left the recent-jobs history).
  void forget_job(const job_result_counters& counters);
  static void count_result(const job_result_counters& counters,
                           const std::string& error);

  /// A job ended in `state` (finished, failed, cancelled, paused, dropped).
  void job_ended(const std::string& state);
  void worker_lost() { workers_lost_.Increment(); }
  void tasks_timed_out(size_t tasks) { timeouts_.Increment(tasks); }
  /// A batch came back unread: its inputs' store did not answer.
  void storage_unavailable() { storage_outages_.Increment(); }
  void journal_synced(double seconds);
  /// An inference request ended with `outcome` (ok, error, busy, quota,
  /// unserved, invalid, deadline, abandoned), `seconds` after it came (not
  /// timed when refused at once).
  void inference_ended(const char* outcome, std::optional<double> seconds);
  /// An inference request's first image went to a worker `seconds` after
  /// the request came.
  void inference_waited(double seconds) { inference_queue_.Observe(seconds); }

  /// Sets the gauges (and readiness: ready with at least one worker).
  void sample(const cluster_sample& now);

private:
  node_metrics& node_;
  prometheus::Family<prometheus::Counter>& results_;
  prometheus::Family<prometheus::Counter>& jobs_ended_;
  prometheus::Gauge& workers_registered_;
  prometheus::Gauge& workers_draining_;
  prometheus::Counter& workers_lost_;
  prometheus::Gauge& jobs_running_;
  prometheus::Gauge& queue_tasks_;
  prometheus::Gauge& queue_bytes_;
  prometheus::Gauge& batches_in_flight_;
  prometheus::Counter& retries_;
  prometheus::Counter& timeouts_;
  prometheus::Counter& storage_outages_;
  prometheus::Gauge& jobs_paused_on_storage_;
  prometheus::Family<prometheus::Counter>& inference_;
  prometheus::Histogram& inference_queue_;
  prometheus::Histogram& inference_seconds_;
  prometheus::Gauge& inference_held_;
  prometheus::Gauge& inference_bytes_;
  prometheus::Counter& journal_syncs_;
  prometheus::Histogram& journal_sync_seconds_;
  uint64_t retries_seen_ = 0;
};

} // namespace fovea
