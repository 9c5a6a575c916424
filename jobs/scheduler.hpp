// scheduler: which worker gets which tasks next, and what a failure or a
// late answer means. The coordinator's policy as a plain class: no actors,
// no clocks of its own (callers pass `now`), tested with tables.
//
// Guarantees:
// - a worker never holds more batches than its credit plus
//   `online_depth` online ones, and its credit is never more than its
//   `slots`; a draining worker, or one busy with an
//   isolated suspect, gets nothing new;
// - a worker's credit follows the round trip to it: it starts at 4 (or
//   `slots`, if fewer), grows by a quarter (at least 2) each time the
//   worker says it had starved while its whole credit was out (the next
//   batch was still on the way), and shrinks by one, to no less than 2,
//   each time it says
//   more than two batches were waiting ahead of each of a whole credit's
//   worth of batches in a row; a worker 25 ms away thus holds enough
//   batches to cover 50 ms, one next door a few;
// - running jobs share the workers round-robin, one batch at a time, so a
//   small job submitted during a large one waits a few batches, not the
//   large one's queue;
// - online work (inference requests) goes before the jobs' batches, but
//   takes at most `online_run` of a worker's batches in a row while a
//   job's tasks wait for that worker, so jobs keep a share under any
//   online load; a worker holds at most `online_depth` online batches,
//   beyond its credit (a request never waits for a job's batch to come
//   back), so that requests arriving while it is busy are batched
//   together;
// - queued plus in-flight image bytes stay below `max_queued_bytes` (and
//   queued tasks below `max_queued_tasks`) give or take one client batch:
//   has_room() says when a client may add more; batches are cut by count
//   and by bytes;
// - slowness is not failure: a batch's clock starts when it reaches the
//   front of its worker's line (not while it queues behind the worker's
//   other batches), an overdue batch's tasks are copied to *another*
//   worker (never back to one still working on them), the overdue batch
//   keeps its worker's credit, and its late answer still counts;
// - a failure (worker lost, hung, or answering with an error) makes each of
//   its tasks a suspect: a suspect travels alone to a worker that holds
//   nothing else, and only a failure there counts against it. A task is
//   poison after `max_attempts` such failures, and never while another
//   worker still holds it; innocent inputs that shared a worker with a
//   poison input are therefore not reported as poison;
// - a failed task is retried on another worker when there is one;
// - a worker that has an overdue batch and has answered nothing for
//   `hang_timeout` is reported hung, so the caller can let it go;
// - a batch whose inputs' store did not answer (deferred) is nobody's
//   fault: its tasks go back to the front of their job's queue as they
//   were, no attempt counted, and the job gets no batch until its pause
//   ends; the other jobs go on.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "jobs/task_tally.hpp"
#include "messages/image_task.hpp"

namespace fovea {

struct scheduler_options {
  /// Most tasks per batch: 64, the shipped model's full forward pass,
  /// dispatched 5-8 % faster than 32 with the optimized graph. The default
  /// of fovea.batch-size (fovea_config takes it from here).
  uint32_t batch_size = 64;
  /// Most image bytes per batch (>= 1 task). A batch's serialized copy
  /// sits in its worker connection's buffers, which CAF keeps as large as
  /// the largest message: with 3 MB images, 15 MB batches took a
  /// coordinator at a 64 MB budget from 150 to 220 MB. A worker merges the
  /// batches it holds into its forward passes anyway.
  size_t batch_bytes = 4u << 20;
  /// Queued tasks past which clients wait; a task is charged at least
  /// max_queued_bytes / this. 16,384 tiny tasks cost the coordinator about
  /// 16 MB, and cover the 50 ms round trip of a client 25 ms away at
  /// 60,000 images/s with room to spare (bench/run latency).
  size_t max_queued_tasks = 16384;
  size_t max_queued_bytes = 256u << 20; ///< queued + in-flight image bytes
  uint32_t max_attempts = 3; ///< failures while alone on a worker: poison
  /// Online batches (jobs added as online: inference requests) a worker
  /// takes in a row while a job's tasks wait for it. Online work goes
  /// first; jobs keep at least one batch in online_run + 1 of each
  /// worker's (a quarter, by default), so they progress under any load.
  uint32_t online_run = 3;
  /// Online batches a worker holds at most: one running, one next. The
  /// requests that come meanwhile wait at the coordinator and go out
  /// together as one batch when that worker frees a place (a lone request
  /// to an idle worker goes at once): the per-batch costs of dispatch and
  /// of a forward pass are then shared as the load grows.
  uint32_t online_depth = 2;
  std::chrono::steady_clock::duration task_timeout = std::chrono::seconds(60);
  std::chrono::steady_clock::duration hang_timeout = std::chrono::minutes(5);
};

class scheduler {
public:
  using clock = std::chrono::steady_clock;
  using worker_key = uint64_t; ///< never reused for another worker
  using batch_key = uint64_t;
  /// True if the input (job, index) already has its result.
  using recorded_fn = std::function<bool(uint64_t job, uint64_t index)>;

  struct batch {
    batch_key id = 0;
    worker_key worker = 0;
    /// What to send (copy it): the scheduler keeps the tasks until the
    /// batch is answered, to send them again if need be.
    const std::vector<image_task>* tasks = nullptr;
  };

  /// An input given up on, and why ("poison: ...").
  struct poisoned {
    image_task task; ///< bytes dropped
    std::string reason;
  };

  /// What a worker said of its load when a batch came (batch_answer).
  struct worker_load {
    uint32_t starved_us = 0;   ///< it had held nothing for this long
    uint32_t queued_ahead = 0; ///< batches it held, unanswered
  };

  /// What a batch held when its answer came: to check the answer against.
  struct in_flight_view {
    worker_key worker;
    const std::vector<image_task>* tasks; ///< past the deadline: no bytes
    bool overdue;
  };

  explicit scheduler(scheduler_options options = {}) : options_(options) {}

  const scheduler_options& options() const noexcept { return options_; }

  // -- workers ---------------------------------------------------------------

  /// A worker of `model` (its SHA-256; empty: unknown) with `slots` credit.
  void add_worker(worker_key worker, uint32_t slots, clock::time_point now,
                  std::string model = {});
  /// From now on the worker gets no new work.
  void drain(worker_key worker);
  /// Batches the worker holds (answered or not, overdue included).
  uint32_t in_flight(worker_key worker) const;
  /// Batches the worker may hold now: its credit (0: no such worker).
  uint32_t credit(worker_key worker) const;
  /// The worker is gone (lost, or let go as hung): its tasks are retried
  /// elsewhere; the ones that used up their attempts come back as poison.
  std::vector<poisoned> remove_worker(worker_key worker, const std::string& why,
                                      clock::time_point now);

  // -- jobs and their tasks
  // ----------------------------------------------------

  /// A job whose tasks go only to workers of `model`, if it names one (a
  /// job resumed from a journal stays on the model it began with). An
  /// online one (inference requests) goes before the others, within
  /// online_run.
  void add_job(uint64_t job, std::string model = {}, bool online = false);
  /// The job's client has `inputs` more to send: batches shrink as the
  /// job's work runs out, not as the queue does, which credit keeps short
  /// while the rest is still on its way.
  void expect(uint64_t job, uint64_t inputs);
  /// The job's client sent `inputs` of those (queued or not).
  void received(uint64_t job, uint64_t inputs);
  /// No worker takes the job's tasks until bind_job (its model is not
  /// chosen yet); they stay queued and count against the limits.
  void hold_job(uint64_t job);
  /// From now on the job's tasks go to workers of `model` only.
  void bind_job(uint64_t job, std::string model);
  /// Forgets a job's queued tasks; its batches in flight run out unheeded.
  void remove_job(uint64_t job);
  /// Queues a task of a job added before, behind the job's others.
  void push(image_task task);
  /// True while clients may add tasks: below both limits.
  bool has_room() const;
  size_t queued_tasks() const noexcept { return tally_.queued_tasks(); }
  /// Image bytes held: queued and in batches not yet overdue.
  size_t held_bytes() const noexcept {
    return tally_.queued_bytes() + tally_.in_flight_bytes();
  }
  /// Tasks queued to be sent again, since the start: after a failed batch or
  /// a lost worker, or copied from an overdue batch.
  uint64_t tasks_sent_again() const noexcept { return sent_again_; }
  /// Batches in flight on all workers (answered ones are gone).
  size_t batches_in_flight() const noexcept { return sent_.size(); }
  /// Tasks of the job in batches now: its share of the cluster.
  size_t in_flight_tasks(uint64_t job) const;

  // -- dispatch and answers
  // ----------------------------------------------------

  /// The next batch for some worker with credit, or none. Inputs already
  /// recorded are skipped.
  std::optional<batch> next_batch(clock::time_point now,
                                  const recorded_fn& recorded);
  /// The batch an answer is for; none if it is stale (its worker was let go).
  std::optional<in_flight_view> find(batch_key id) const;
  /// The batch was answered and its rows recorded by the caller; the
  /// worker's load, as it said, sizes its credit.
  void answered(batch_key id, clock::time_point now, worker_load load);
  void answered(batch_key id, clock::time_point now) {
    answered(id, now, worker_load{});
  }
  /// The batch failed (an error, or an answer that is not one): its tasks
  /// are retried elsewhere; poison comes back.
  std::vector<poisoned> failed(batch_key id, const std::string& why,
                               clock::time_point now);
  /// The batch's worker could not read its inputs from their store: its
  /// tasks go back to the front of their job's queue, unchanged, and the
  /// job gets no batch before `until` (the store's outage, not theirs).
  void deferred(batch_key id, clock::time_point now, clock::time_point until);
  /// True while the job is paused by deferred().
  bool paused(uint64_t job, clock::time_point now) const;

  struct expiry {
    /// Workers and how many tasks they were too slow for: copied elsewhere.
    std::vector<std::pair<worker_key, size_t>> overdue;
    /// Workers with an overdue batch that answered nothing for hang_timeout.
    std::vector<worker_key> hung;
  };
  /// Marks batches past their deadline overdue and copies their tasks for
  /// other workers; reports hung workers (the caller removes them).
  expiry expire(clock::time_point now, const recorded_fn& recorded);

private:
  using task_key = std::pair<uint64_t, uint64_t>; ///< job, index
  struct key_hash {
    size_t operator()(const task_key& k) const noexcept {
      return std::hash<uint64_t>{}(k.first * 0x9E3779B97F4A7C15ull ^ k.second);
    }
  };

  /// A task to send again: after a failure, or copied from an overdue batch.
  struct retry {
    image_task task;
    std::vector<worker_key> holders; ///< still working on it: never again
  };

  struct job_queue {
    std::deque<retry> retries; ///< before any fresh task, one per batch
    std::deque<image_task> fresh;
    std::string model; ///< empty: any worker's
    bool held = false; ///< no worker's, until its model is chosen
    uint64_t to_come = 0; ///< inputs its client has yet to send
    clock::time_point paused_until{}; ///< deferred: no batch before then
    bool online = false; ///< inference requests: ahead of the jobs
  };

  struct suspect {
    uint32_t failures = 0;             ///< while alone on a worker
    std::vector<worker_key> failed_on; ///< avoided while others can take it
    std::string last;                  ///< the last failure, for the poison row
  };

  struct sent_batch {
    worker_key worker;
    std::vector<image_task> tasks;
    std::vector<worker_key> holders; ///< of a retried task: others on it
    bool isolated = false; ///< a suspect alone on a worker holding nothing else
    bool overdue = false;
    std::optional<clock::time_point> deadline; ///< once first in its line
    bool online = false; ///< of an online job
  };

  struct worker_slot {
    uint32_t slots = 0;  ///< the most credit it may have: what it asked for
    uint32_t credit = 0; ///< batches it may hold now, within [2, slots]
    /// Answers in a row that had more than two batches waiting ahead.
    uint32_t crowded = 0;
    bool draining = false;
    std::deque<batch_key> line; ///< batches held, oldest first
    clock::time_point last_answer;
    std::string model;
    /// Online batches it took in a row while a job's tasks waited for it.
    uint32_t online_streak = 0;
  };

  bool has_credit(const worker_slot& w) const;
  bool serves(const worker_slot& w, const job_queue& q) const {
    return !q.held && (q.model.empty() || q.model == w.model);
  }
  bool may_take(worker_key worker, const retry& r, bool ignore_alone) const;
  std::optional<worker_key> reserved_worker() const;
  std::optional<batch> take_for(worker_key worker, bool reserved,
                                clock::time_point now,
                                const recorded_fn& recorded);
  /// A batch of one job's queue for the worker, if it has one to give.
  std::optional<batch> take_from(job_queue& q, worker_key worker,
                                 bool reserved,
                                 clock::time_point now,
                                 const recorded_fn& recorded);
  /// True if a job that is not online has tasks queued that `worker` may
  /// take now.
  bool jobs_wait_for(const worker_slot& w, clock::time_point now) const;
  size_t batch_size_now() const;
  /// An online queue's batch: its requests shared among the workers that
  /// serve it, up to batch_size.
  size_t online_batch_size(const job_queue& q) const;
  /// Online batches the worker holds now.
  size_t online_held(const worker_slot& w) const;
  /// True if the worker may take an online batch beyond its credit.
  bool online_room(const worker_slot& w) const;
  /// An online batch for the worker, credit or not (its online depth
  /// allows it), if one waits.
  std::optional<batch> take_online(worker_key worker, clock::time_point now,
                                   const recorded_fn& recorded);
  void size_credit(worker_slot& w, worker_load load) const;
  void start_clock(worker_slot& w, clock::time_point now);
  void drop_from_line(worker_key worker, batch_key id, clock::time_point now);
  bool held_elsewhere(const task_key& key, worker_key except) const;
  /// Failed max_attempts times alone: no more copies of it are made.
  bool used_up(const task_key& key) const;
  std::vector<poisoned> fail_tasks(sent_batch& batch, const std::string& why);
  void push_retry(retry r);
  void erase_retries(const task_key& key);

  scheduler_options options_;
  std::map<worker_key, worker_slot> workers_;
  uint64_t to_come_ = 0; ///< the jobs' to_come, summed
  std::map<uint64_t, job_queue> jobs_;
  std::unordered_map<batch_key, sent_batch> sent_;
  std::unordered_map<task_key, suspect, key_hash> suspects_;
  task_tally tally_; ///< queued tasks and bytes, bytes in flight
  uint64_t sent_again_ = 0;
  uint64_t last_job_ = 0;      ///< round-robin: the job served last
  worker_key last_worker_ = 0; ///< and the worker
  batch_key next_batch_ = 1;
};

} // namespace fovea
