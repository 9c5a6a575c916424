// Moving work: the queue (bounded by tasks and bytes), batches cut to fit
// the workers' credit, their deadlines, retries one task at a time,
// poison after max-attempts, lost and draining workers, and clients held
// back while the queue is full.
#include <algorithm>
#include <utility>

#include <caf/exit_reason.hpp>

#include "actors/coordinator_parts.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

namespace {

// The queue's length and bytes, kept together: clients are held back while
// either is past its limit, so the coordinator's memory does not grow with
// a job, whatever its images weigh.
void push_task(coordinator_state& st, image_task task, bool front) {
  st.queued_bytes += task.bytes.size();
  if (front)
    st.queue.push_front(std::move(task));
  else
    st.queue.push_back(std::move(task));
}

image_task pop_task(coordinator_state& st) {
  auto task = std::move(st.queue.front());
  st.queue.pop_front();
  st.queued_bytes -= task.bytes.size();
  return task;
}

// Puts tasks whose dispatch failed back at the front of the queue, in their
// original order, or records them as poison once they used up their attempts.
void requeue(coordinator_pointer self, std::vector<image_task>& tasks,
             const std::string& why) {
  auto& st = self->state;
  std::vector<prediction> poison;
  for (auto i = tasks.rbegin(); i != tasks.rend(); ++i) {
    if (++i->attempt >= st.options.max_attempts)
      poison.push_back(error_row(*i, "poison: failed on all " +
                                         std::to_string(i->attempt) +
                                         " attempts (last: " + why + ")"));
    else
      push_task(st, std::move(*i), true);
  }
  record(self, std::move(poison));
}

void finish_batch(coordinator_pointer self, uint64_t batch_id,
                  caf::expected<std::vector<prediction>> reply) {
  auto& st = self->state;
  auto found = st.in_flight.find(batch_id);
  if (found == st.in_flight.end())
    return; // its worker was given up on and the tasks already requeued
  auto batch = std::move(found->second);
  st.in_flight.erase(found);
  auto worker = st.workers.find(batch.worker);
  std::string who =
      worker != st.workers.end() ? worker->second.info.id : "a departed worker";
  if (worker != st.workers.end())
    --worker->second.in_flight;
  std::string wrong;
  if (reply)
    wrong = check_answer(*reply, batch.tasks, batch.classes, batch.worker_id);
  if (reply && wrong.empty()) {
    // Also when overdue: the ledger keeps whichever answer came first.
    if (worker != st.workers.end()) {
      worker->second.done += reply->size();
      worker->second.rate.add(reply->size());
    }
    record(self, std::move(*reply));
  } else if (!batch.overdue) {
    auto why =
        reply ? "its answer is not one: " + wrong : describe(reply.error());
    say(self, "batch of " + std::to_string(batch.tasks.size()) + " from " +
                  who + " failed (" + why + "); requeued");
    requeue(self, batch.tasks, who + ": " + why);
  }
  if (worker != st.workers.end())
    release_if_drained(self, worker);
  pump(self);
}

// Gives up on one batch: its tasks are dispatched again (counting an
// attempt); the batch stays in flight, holding its worker's credit, until
// the worker answers.
void give_up_on(coordinator_pointer self, batch_in_flight& batch) {
  auto& st = self->state;
  batch.overdue = true;
  std::vector<image_task> again;
  for (auto& task : batch.tasks) {
    image_task stub;
    stub.job = task.job;
    stub.index = task.index;
    stub.path = task.path;
    again.push_back(std::exchange(task, std::move(stub)));
  }
  auto worker = st.workers.find(batch.worker);
  auto who = worker != st.workers.end() ? worker->second.info.id
                                        : std::string{"a departed worker"};
  say(self, "batch of " + std::to_string(again.size()) + " from " + who +
                " not answered in time; dispatched again");
  requeue(self, again, who + ": no answer within task-timeout");
}

// One batch's round trip: send it, await the answer, record or requeue.
// The request itself waits far longer than the deadline: a late answer is
// still worth having, and until it comes the worker's credit stays taken.
actor_flow dispatch(coordinator_pointer self, worker_actor worker,
                    uint64_t batch_id) {
  constexpr auto answer_timeout = std::chrono::hours(24);
  auto request = ask<std::vector<prediction>>(
      self, worker, answer_timeout, classify_atom::value,
      self->state.in_flight.at(batch_id).tasks);
  auto reply = co_await request;
  finish_batch(self, batch_id, std::move(reply));
}

// Guided self-scheduling: batches are batch_size tasks while the queue is
// long, and shrink as it runs out, to a share of what is left per unit of
// the workers' credit. Otherwise the end of a job is one worker finishing a
// last full batch while the others idle (for a ResNet-sized model, a batch
// of 32 is a second or more of work).
size_t batch_size_now(const coordinator_state& st) {
  size_t credit = 0;
  for (auto& [addr, w] : st.workers)
    if (!w.drained)
      credit += w.info.slots;
  auto share = 2 * std::max<size_t>(credit, 1);
  return std::clamp<size_t>((st.queue.size() + share - 1) / share, 1,
                            st.options.batch_size);
}

// Takes up to batch_size_now() tasks of live jobs from the front of the
// queue, and up to batch_bytes of images (at least one task), so that no
// classify request nears fovea.max-message-bytes. A retried task travels
// alone: if it is what kills workers, only it fails.
std::vector<image_task> take_batch(coordinator_state& st) {
  constexpr size_t batch_bytes = 16u << 20;
  std::vector<image_task> batch;
  const auto size = batch_size_now(st);
  size_t bytes = 0;
  while (!st.queue.empty() && batch.size() < size) {
    if (!batch.empty() && (st.queue.front().attempt > 0 ||
                           bytes + st.queue.front().bytes.size() > batch_bytes))
      break;
    auto task = pop_task(st);
    auto job = st.jobs.find(task.job);
    if (job == st.jobs.end() || job->second.ledger.recorded(task.index))
      continue;
    auto retry = task.attempt > 0;
    bytes += task.bytes.size();
    batch.push_back(std::move(task));
    if (retry)
      break;
  }
  return batch;
}

// Hands out work while workers have credit.
void hand_out_work(coordinator_pointer self) {
  auto& st = self->state;
  for (auto& [addr, w] : st.workers) {
    while (!w.drained && w.in_flight < w.info.slots && !st.queue.empty()) {
      auto batch = take_batch(st);
      if (batch.empty())
        break;
      auto id = st.next_batch++;
      batch_in_flight sent;
      sent.worker = addr;
      sent.worker_id = w.info.id;
      sent.classes = w.info.classes;
      sent.tasks = std::move(batch);
      sent.deadline =
          std::chrono::steady_clock::now() + st.options.task_timeout;
      st.in_flight.emplace(id, std::move(sent));
      ++w.in_flight;
      dispatch(self, w.handle, id);
    }
  }
}

// Lets waiting clients go on while the queue has room: tasks set aside go
// in, and held replies are answered. True if tasks went into the queue.
bool release_waiting(coordinator_pointer self) {
  auto& st = self->state;
  bool admitted = false;
  while (!st.waiting.empty() && queue_has_room(st)) {
    auto job = st.jobs.find(st.waiting.front());
    if (job == st.jobs.end() || !job->second.waiting) {
      st.waiting.pop_front(); // the job ended meanwhile
      continue;
    }
    auto& waiting = *job->second.waiting;
    if (!waiting.tasks.empty()) {
      admitted = true;
      admit_tasks(self, job->first, std::exchange(waiting.tasks, {}));
      continue; // the job may have ended; there may be no more room
    }
    waiting.promise.deliver(waiting.accepted);
    job->second.waiting.reset();
    st.waiting.pop_front();
  }
  return admitted;
}

} // namespace

bool queue_has_room(const coordinator_state& st) {
  return st.queue.size() < st.options.queue_limit &&
         st.queued_bytes < st.options.queue_limit_bytes;
}

// A draining worker that holds no more batches is answered and let go.
void release_if_drained(coordinator_pointer self,
                        std::map<caf::actor_addr, worker_entry>::iterator w) {
  if (!w->second.drained || w->second.in_flight > 0)
    return;
  say(self, "worker " + w->second.info.id + " drained: " +
                std::to_string(w->second.done) + " results; it leaves");
  w->second.drained->deliver(w->second.done);
  // Whoever asked (the worker itself on SIGTERM, or an operator), the
  // worker is told to stop now: it holds nothing and will get nothing.
  self->send_exit(w->second.handle, caf::exit_reason::user_shutdown);
  self->demonitor(w->second.handle.address());
  self->state.workers.erase(w);
}

// The batches' deadlines, checked by one sweep a fraction of task_timeout
// apart rather than one timer per batch: a timer per batch would keep
// thousands alive in the actor clock for a whole task_timeout each.
actor_flow watch_deadlines(coordinator_pointer self) {
  using namespace std::chrono;
  auto tick = std::clamp<caf::timespan>(self->state.options.task_timeout / 4,
                                        milliseconds(10), seconds(1));
  for (;;) {
    auto pause = after(self, tick);
    co_await pause;
    auto& st = self->state;
    auto now = steady_clock::now();
    bool late = false;
    for (auto& [id, batch] : st.in_flight)
      if (!batch.overdue && now >= batch.deadline) {
        give_up_on(self, batch);
        late = true;
      }
    if (late)
      pump(self);
  }
}

// Takes a batch of a client's tasks into the queue: inputs the client
// already knows bad, or that are too large, become error rows at once.
// Recording them may finish (and close) the job.
void admit_tasks(coordinator_pointer self, uint64_t id,
                 std::vector<image_task> tasks) {
  auto& st = self->state;
  auto& job = st.jobs.at(id);
  std::vector<prediction> settled;
  for (auto& task : tasks) {
    task.attempt = 0; // counted here, whatever the client sent
    if (job.ledger.recorded(task.index))
      continue; // resumed from the journal: the client has its row
    if (!task.error.empty())
      settled.push_back(error_row(task, std::move(task.error)));
    else if (task.bytes.size() > st.options.max_image_bytes)
      settled.push_back(error_row(
          task, "file too large: " + std::to_string(task.bytes.size()) +
                    " bytes (limit " +
                    std::to_string(st.options.max_image_bytes) + ")"));
    else
      push_task(st, std::move(task), false);
  }
  record(self, std::move(settled));
}

// Hands out work, then lets held-back clients go on (and hands out what
// they brought).
void pump(coordinator_pointer self) {
  do
    hand_out_work(self);
  while (release_waiting(self));
}

void forget_worker(coordinator_pointer self, const caf::actor_addr& addr,
                   const caf::error& reason) {
  auto& st = self->state;
  auto worker = st.workers.find(addr);
  if (worker == st.workers.end())
    return;
  auto why = "worker " + worker->second.info.id + " lost (" +
             caf::to_string(reason) + ")";
  std::vector<image_task> orphans;
  for (auto i = st.in_flight.begin(); i != st.in_flight.end();) {
    if (i->second.worker == addr) {
      if (!i->second.overdue) // overdue ones were dispatched again already
        for (auto& task : i->second.tasks)
          orphans.push_back(std::move(task));
      i = st.in_flight.erase(i);
    } else {
      ++i;
    }
  }
  say(self, why + "; " + std::to_string(orphans.size()) + " tasks requeued");
  st.workers.erase(worker);
  requeue(self, orphans, why);
  pump(self);
}

} // namespace fovea::coordinator_parts
