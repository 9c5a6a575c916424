// The coordinator's gauges (workers, jobs, queue, batches in flight) and its
// readiness, sampled from its state on its own thread: a scrape never reads
// the state, and the hot paths never set a gauge. Besides the 250 ms tick,
// a worker's registration or loss and a job's opening or end sample at
// once, so that /readyz and the counts of workers and jobs are exact by the
// time the node's log line about them is printed.
#include "actors/coordinator_parts.hpp"

namespace fovea::coordinator_parts {

void sample_now(coordinator_pointer self) {
  auto& st = self->state;
  if (!st.options.metrics)
    return;
  cluster_sample now;
  now.workers_registered = st.workers.size();
  for (auto& [addr, w] : st.workers)
    if (w.entry.drained)
      ++now.workers_draining;
  now.jobs_running = st.jobs.running();
  now.queued_tasks = st.sched.queued_tasks();
  now.held_bytes = st.sched.held_bytes();
  now.batches_in_flight = st.sched.batches_in_flight();
  now.tasks_sent_again = st.sched.tasks_sent_again();
  for (auto& [id, job] : st.jobs)
    if (!job.storage.why.empty())
      ++now.jobs_paused_on_storage;
  now.inference_requests = st.online.requests();
  now.inference_bytes = st.online.held_bytes();
  st.options.metrics->sample(now);
}

queue_view queue_of(const coordinator_state& st) {
  auto& limits = st.sched.options();
  return {.tasks = st.sched.queued_tasks(),
          .tasks_limit = limits.max_queued_tasks,
          .bytes = st.sched.held_bytes(),
          .bytes_limit = limits.max_queued_bytes,
          .batches_in_flight = st.sched.batches_in_flight(),
          .online_requests = st.online.requests(),
          .online_bytes = st.online.held_bytes()};
}

actor_flow sample_metrics(coordinator_pointer self) {
  constexpr auto every = std::chrono::milliseconds(250);
  for (;;) {
    sample_now(self);
    auto pause = after(self, every);
    co_await pause;
  }
}

} // namespace fovea::coordinator_parts
