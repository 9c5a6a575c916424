#include "metrics/coordinator_metrics.hpp"

namespace fovea {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

prometheus::Gauge& gauge(prometheus::Registry& r, const std::string& name,
                         const std::string& help,
                         const prometheus::Labels& labels = {}) {
  return BuildGauge().Name(name).Help(help).Register(r).Add(labels);
}

prometheus::Counter& counter(prometheus::Registry& r, const std::string& name,
                             const std::string& help) {
  return BuildCounter().Name(name).Help(help).Register(r).Add({});
}

// An fsync of a journal: sub-millisecond on tmpfs, tens of milliseconds on
// a busy disk.
const prometheus::Histogram::BucketBoundaries sync_buckets{
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

// An inference request's wait and its whole time: from well under a
// millisecond (a lone image, an idle worker) to its deadline.
const prometheus::Histogram::BucketBoundaries latency_buckets{
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};

const char* const inference_outcomes[] = {"ok",       "error",   "busy",
                                          "quota",    "unserved", "invalid",
                                          "deadline", "abandoned"};

} // namespace

coordinator_metrics::coordinator_metrics(node_metrics& node,
                                         uint64_t queue_bytes_limit)
  : node_(node),
    results_(BuildCounter()
               .Name("fovea_results_total")
               .Help("Result rows recorded, by job and outcome (ok, error: "
                     "the row says why, poison: failed alone on every "
                     "attempt)")
               .Register(node.registry())),
    jobs_ended_(BuildCounter()
                  .Name("fovea_jobs_ended_total")
                  .Help("Jobs that ended, by state (finished, failed, "
                        "cancelled, paused, dropped)")
                  .Register(node.registry())),
    workers_registered_(gauge(node.registry(), "fovea_workers",
                              "Worker registrations (one per model a worker "
                              "serves), by state",
                              {{"state", "registered"}})),
    workers_draining_(gauge(node.registry(), "fovea_workers",
                            "Worker registrations (one per model a worker "
                            "serves), by state",
                            {{"state", "draining"}})),
    workers_lost_(counter(node.registry(), "fovea_workers_lost_total",
                          "Workers lost: disconnected, or let go as hung")),
    jobs_running_(gauge(node.registry(), "fovea_jobs_running",
                        "Jobs open now (waiting for their model included)")),
    queue_tasks_(gauge(node.registry(), "fovea_queue_tasks",
                       "Tasks queued, not yet sent to a worker")),
    queue_bytes_(gauge(node.registry(), "fovea_queue_bytes",
                       "Image bytes held: queued and in flight")),
    batches_in_flight_(gauge(node.registry(), "fovea_batches_in_flight",
                             "Batches sent to workers and not yet answered")),
    retries_(counter(node.registry(), "fovea_task_retries_total",
                     "Tasks sent again: after a failed batch or a lost "
                     "worker, or copied from an overdue batch")),
    timeouts_(counter(node.registry(), "fovea_task_timeouts_total",
                      "Tasks whose batch was not answered within "
                      "task-timeout")),
    storage_outages_(counter(node.registry(),
                             "fovea_storage_unavailable_total",
                             "Batches a worker sent back unread because their "
                             "inputs' store (S3, HTTPS) did not answer")),
    jobs_paused_on_storage_(gauge(node.registry(),
                                  "fovea_jobs_paused_on_storage",
                                  "Jobs whose dispatch waits for their inputs' "
                                  "store to answer again")),
    inference_(BuildCounter()
                 .Name("fovea_inference_requests_total")
                 .Help("Inference requests, by outcome (ok; error: an image "
                       "a worker could not classify; busy: refused, the "
                       "server full; quota: refused, the client's limit; "
                       "unserved: no such model; invalid; deadline: not "
                       "answered in fovea.oip-timeout; abandoned: its "
                       "client went)")
                 .Register(node.registry())),
    inference_queue_(BuildHistogram()
                       .Name("fovea_inference_queue_seconds")
                       .Help("Time from an inference request's arrival to "
                             "its first image's dispatch to a worker")
                       .Register(node.registry())
                       .Add({}, latency_buckets)),
    inference_seconds_(BuildHistogram()
                         .Name("fovea_inference_seconds")
                         .Help("Time from an inference request's arrival to "
                               "its answer, at the coordinator")
                         .Register(node.registry())
                         .Add({}, latency_buckets)),
    inference_held_(gauge(node.registry(), "fovea_inference_requests_held",
                          "Inference requests taken and not yet answered")),
    inference_bytes_(gauge(node.registry(), "fovea_inference_bytes_held",
                           "Image bytes the held inference requests are "
                           "charged (at most fovea.oip-max-queued-bytes)")),
    journal_syncs_(counter(node.registry(), "fovea_journal_syncs_total",
                           "Journal writes made durable (fdatasync)")),
    journal_sync_seconds_(BuildHistogram()
                            .Name("fovea_journal_sync_duration_seconds")
                            .Help("Time to make a journal's records durable")
                            .Register(node.registry())
                            .Add({}, sync_buckets)) {
  // Set once: the budget is a setting. 0 (not given) exports nothing.
  if (queue_bytes_limit > 0)
    gauge(node.registry(), "fovea_queue_bytes_limit",
          "fovea.max-queued-bytes: what fovea_queue_bytes may reach")
      .Set(static_cast<double>(queue_bytes_limit));
  for (auto state : {"finished", "failed", "cancelled", "paused", "dropped"})
    jobs_ended_.Add({{"state", state}});
  for (auto outcome : inference_outcomes)
    inference_.Add({{"outcome", outcome}});
}

void coordinator_metrics::inference_ended(const char* outcome,
                                          std::optional<double> seconds) {
  inference_.Add({{"outcome", outcome}}).Increment();
  if (seconds)
    inference_seconds_.Observe(*seconds);
}

job_result_counters coordinator_metrics::open_job(uint64_t id,
                                                  const std::string& name) {
  auto add = [&](const char* outcome) {
    return &results_.Add({{"job_id", std::to_string(id)},
                          {"job_name", name},
                          {"outcome", outcome}});
  };
  return {add("ok"), add("error"), add("poison")};
}

void coordinator_metrics::forget_job(const job_result_counters& counters) {
  for (auto* c : {counters.ok, counters.error, counters.poison})
    if (c != nullptr)
      results_.Remove(c);
}

void coordinator_metrics::count_result(const job_result_counters& counters,
                                       const std::string& error) {
  auto* c = error.empty()                  ? counters.ok
            : error.rfind("poison", 0) == 0 ? counters.poison
                                            : counters.error;
  if (c != nullptr)
    c->Increment();
}

void coordinator_metrics::job_ended(const std::string& state) {
  jobs_ended_.Add({{"state", state}}).Increment();
}

void coordinator_metrics::journal_synced(double seconds) {
  journal_syncs_.Increment();
  journal_sync_seconds_.Observe(seconds);
}

void coordinator_metrics::sample(const cluster_sample& now) {
  workers_registered_.Set(static_cast<double>(now.workers_registered));
  workers_draining_.Set(static_cast<double>(now.workers_draining));
  jobs_running_.Set(static_cast<double>(now.jobs_running));
  queue_tasks_.Set(static_cast<double>(now.queued_tasks));
  queue_bytes_.Set(static_cast<double>(now.held_bytes));
  batches_in_flight_.Set(static_cast<double>(now.batches_in_flight));
  jobs_paused_on_storage_.Set(static_cast<double>(now.jobs_paused_on_storage));
  inference_held_.Set(static_cast<double>(now.inference_requests));
  inference_bytes_.Set(static_cast<double>(now.inference_bytes));
  if (now.tasks_sent_again > retries_seen_) {
    retries_.Increment(static_cast<double>(now.tasks_sent_again - retries_seen_));
    retries_seen_ = now.tasks_sent_again;
  }
  auto& health = node_.health();
  if (health.current() != node_health::phase::stopping
      && health.current() != node_health::phase::starting)
    health.set_phase(now.workers_registered > now.workers_draining
                       ? node_health::phase::ready
                       : node_health::phase::no_workers);
}

} // namespace fovea
