// Moving work between the scheduler (jobs/scheduler.hpp: who gets what,
// and what a failure or a late answer means) and the actors: sending
// batches and taking their answers, the deadline sweep, hung, lost and
// draining workers, and the credit clients send within.
#include <algorithm>
#include <utility>

#include <caf/exit_reason.hpp>

#include "actors/access.hpp"
#include "actors/coordinator_parts.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

namespace {

// What the scheduler asks before it sends an input: does it have its row?
// Inputs of jobs that ended count as done.
scheduler::recorded_fn recorded_in(coordinator_state& st) {
  return [&st](uint64_t job, uint64_t index) {
    if (online_requests::is_online(job)) // answered, expired or abandoned
      return !st.online.pending(job, index);
    auto found = st.jobs.find(job);
    return !found || found->ledger.recorded(index);
  };
}

std::string worker_name(const coordinator_state& st, uint64_t key) {
  auto worker = st.workers.find(key);
  return worker ? worker->entry.info.id : "a departed worker";
}

// Inputs the scheduler gave up on become error rows.
void record_poison(coordinator_pointer self,
                   std::vector<scheduler::poisoned> poison) {
  std::vector<prediction> rows;
  for (auto& p : poison) {
    remember(self, event_kind::poison,
             "job " + std::to_string(p.task.job) + ": " + p.task.path
               + " is poison: " + p.reason);
    rows.push_back(error_row(p.task, std::move(p.reason)));
  }
  record(self, std::move(rows));
}

bool storage_unavailable(const caf::error& err) {
  return err.category() == error_category
         && err.code() == static_cast<uint8_t>(errc::storage_unavailable);
}

// The store behind a job's referenced inputs did not answer a worker: no
// fault of the inputs or the worker, so the batch goes back as it was and
// the job's dispatch pauses (1 s, doubling to 30 s) rather than turn every
// remaining input into an error row. The other jobs go on.
void pause_on_storage(coordinator_pointer self, uint64_t batch_id,
                      uint64_t job_id, const std::string& why) {
  constexpr auto first_pause = std::chrono::seconds(1);
  constexpr auto longest_pause = std::chrono::seconds(30);
  auto& st = self->state;
  auto now = self->clock().now();
  if (st.options.metrics) // every batch sent back, as its help says
    st.options.metrics->storage_unavailable();
  auto* job = st.jobs.find(job_id);
  if (!job) {
    st.sched.deferred(batch_id, now, now);
    return;
  }
  auto& outage = job->storage;
  if (!outage.why.empty() && now < outage.until) {
    // Another batch sent before the pause began: the same outage.
    st.sched.deferred(batch_id, now, outage.until);
    return;
  }
  bool began = outage.why.empty();
  outage.pause = began ? caf::timespan{first_pause}
                       : std::min(outage.pause * 2, caf::timespan{longest_pause});
  outage.why = why;
  outage.until = now + outage.pause;
  st.sched.deferred(batch_id, now, outage.until);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(outage.pause);
  if (began || outage.pause == caf::timespan{longest_pause})
    say(self, event_kind::job_paused,
        "job " + job->ledger.name() + " paused: " + why
                + "; trying again in " + std::to_string(seconds.count())
                + " s");
  sample_now(self);
}

// A batch of the job came back read: its store answers (again).
void storage_answers(coordinator_pointer self, uint64_t job_id) {
  auto* job = self->state.jobs.find(job_id);
  if (!job || job->storage.why.empty())
    return;
  job->storage = {};
  say(self, "job " + job->ledger.name()
              + ": its inputs' store answers again; going on");
  sample_now(self);
}

void finish_batch(coordinator_pointer self, uint64_t batch_id,
                  caf::expected<batch_answer> reply) {
  auto& st = self->state;
  auto batch = st.sched.find(batch_id);
  if (!batch)
    return; // its worker was let go: its tasks were retried already
  auto now = self->clock().now();
  // A batch in flight has a registered worker: forgetting one removes its
  // batches from the scheduler (so find above came back empty).
  auto worker_key = batch->worker;
  auto registered = st.workers.find(worker_key);
  if (!registered)
    return;
  auto& worker = registered->entry;
  std::string wrong;
  if (reply)
    wrong = check_answer(reply->rows, *batch->tasks, worker.info.classes,
                         worker.info.id);
  auto job_id = batch->tasks->empty() ? 0 : batch->tasks->front().job;
  if (!reply && storage_unavailable(reply.error())) {
    pause_on_storage(self, batch_id, job_id, describe(reply.error()));
  } else if (reply && wrong.empty()) {
    storage_answers(self, job_id);
    // Also when overdue: the ledger keeps whichever answer came first.
    worker.done += reply->rows.size();
    worker.rate.add(reply->rows.size());
    if (online_requests::is_online(job_id))
      worker.online_rate.add(reply->rows.size());
    st.sched.answered(batch_id, now, {reply->starved_us, reply->queued_ahead});
    record(self, std::move(reply->rows), worker.info.model_digest);
  } else {
    auto why = reply ? "its answer is not one: " + wrong
                     : describe(reply.error());
    say(self, event_kind::batch_retried,
        "batch of " + std::to_string(batch->tasks->size()) + " from "
                + worker.info.id + " failed (" + why + "); retried elsewhere");
    record_poison(self, st.sched.failed(batch_id, worker.info.id + ": " + why,
                                        now));
  }
  if (auto addr = st.workers.address_of(worker_key))
    release_if_drained(self, caf::actor_addr{*addr}); // a copy: it may go
  pump(self);
}

// One batch's round trip: send it, await the answer, record or retry.
// The request itself waits far longer than the deadline: a late answer is
// still worth having, and until it comes the worker's credit stays taken.
actor_flow dispatch(coordinator_pointer self, worker_actor worker,
                    uint64_t batch_id, std::vector<image_task> tasks) {
  constexpr auto answer_timeout = std::chrono::hours(24);
  auto request = ask<batch_answer>(self, worker, answer_timeout,
                                  classify_atom::value, std::move(tasks));
  auto reply = co_await request;
  finish_batch(self, batch_id, std::move(reply));
}

// Hands out work while workers have credit.
void hand_out_work(coordinator_pointer self) {
  auto& st = self->state;
  auto recorded = recorded_in(st);
  while (auto batch = st.sched.next_batch(self->clock().now(), recorded)) {
    // The scheduler hands batches only to the workers it was given, and
    // each leaves it when it leaves the registry.
    auto registered = st.workers.find(batch->worker);
    if (!registered)
      continue;
    online_dispatched(self, *batch->tasks);
    dispatch(self, registered->entry.handle, batch->id, *batch->tasks);
  }
}

} // namespace

// A draining worker that holds no more batches is answered and let go.
void release_if_drained(coordinator_pointer self,
                        const caf::actor_addr& addr) {
  auto& st = self->state;
  auto registered = st.workers.find(addr);
  if (!registered)
    return;
  auto& w = registered->entry;
  if (!w.drained || st.sched.in_flight(registered->key) > 0)
    return;
  say(self, event_kind::worker_left,
      "worker " + w.info.id + " drained: " + std::to_string(w.done)
              + " results; it leaves");
  w.drained->settle(w.done);
  // Whoever asked (the worker itself on SIGTERM, or an operator), the
  // worker is told to stop now: it holds nothing and will get nothing.
  self->send_exit(w.handle, caf::exit_reason::user_shutdown);
  self->demonitor(w.handle.address());
  st.sched.remove_worker(registered->key, "drained", self->clock().now());
  st.workers.erase(addr);
  sample_now(self);
}

// The batches' deadlines, checked by one sweep a fraction of task_timeout
// apart rather than one timer per batch: a timer per batch would keep
// thousands alive in the actor clock for a whole task_timeout each.
actor_flow watch_deadlines(coordinator_pointer self) {
  using namespace std::chrono;
  auto& opts = self->state.options.scheduling;
  auto tick = std::clamp<caf::timespan>(
    duration_cast<caf::timespan>(opts.task_timeout / 4), milliseconds(10),
    seconds(1));
  for (;;) {
    auto pause = after(self, tick);
    co_await pause;
    auto& st = self->state;
    bind_waiting_jobs(self); // fails those that waited too long
    auto expired = st.sched.expire(self->clock().now(), recorded_in(st));
    if (auto& metrics = st.options.metrics)
      for (auto& overdue : expired.overdue)
        metrics->tasks_timed_out(overdue.second);
    for (auto& [key, tasks] : expired.overdue)
      say(self, event_kind::batch_retried,
          std::to_string(tasks) + " tasks on " + worker_name(st, key)
                  + " not answered within task-timeout; copied to another "
                    "worker (its late answer still counts)");
    for (auto key : expired.hung) {
      auto registered = st.workers.find(key);
      if (!registered)
        continue;
      auto addr = *st.workers.address_of(key);
      auto handle = registered->entry.handle;
      auto ms = duration_cast<milliseconds>(opts.hang_timeout).count();
      auto quiet = ms < 10000 ? std::to_string(ms) + " ms"
                              : std::to_string(ms / 1000) + " s";
      forget_worker(self, addr,
                    make_error(errc::worker_hung,
                               "no answer for " + quiet
                                 + " with a batch overdue "
                                   "(fovea.hang-timeout)"));
      // Told to go: whatever it still answers is ignored, and where an
      // edge carries its connection, the edge closes it.
      self->send_exit(handle, caf::exit_reason::user_shutdown);
      if (auto& peers = st.options.peers; peers && handle.node() != self->node())
        peers->disconnect(node_key(self->system(), handle.node()),
                          "its worker hung (fovea.hang-timeout)");
    }
    pump(self);
  }
}

void pump(coordinator_pointer self) {
  hand_out_work(self);
}

void forget_worker(coordinator_pointer self, const caf::actor_addr& addr,
                   const caf::error& reason) {
  auto& st = self->state;
  auto worker = st.workers.find(addr);
  if (!worker)
    return;
  auto key = worker->key;
  auto held = st.sched.in_flight(key);
  if (st.options.metrics)
    st.options.metrics->worker_lost();
  auto why = "worker " + worker->entry.info.id + " lost ("
             + (reason.category() == error_category ? describe(reason)
                                                    : caf::to_string(reason))
             + ")";
  say(self, event_kind::worker_lost, why + "; the " + std::to_string(held)
              + " batches it held are retried");
  self->demonitor(addr);
  if (worker->entry.drained) // its held batches are retried elsewhere
    worker->entry.drained->settle(0);
  st.workers.erase(addr);
  sample_now(self);
  record_poison(self, st.sched.remove_worker(key, why, self->clock().now()));
  pump(self);
}

} // namespace fovea::coordinator_parts
