#include "jobs/scheduler.hpp"

#include <algorithm>
#include <utility>

#include "jobs/scheduler_detail.hpp"

namespace fovea {

using namespace scheduler_detail;

// -- workers -----------------------------------------------------------------

void scheduler::add_worker(worker_key worker, uint32_t slots,
                           clock::time_point now, std::string model) {
  auto& w = workers_[worker];
  w.slots = slots;
  w.credit = std::min<uint32_t>(slots, first_credit);
  w.last_answer = now;
  w.model = std::move(model);
}

void scheduler::drain(worker_key worker) {
  if (auto w = workers_.find(worker); w != workers_.end())
    w->second.draining = true;
}

uint32_t scheduler::in_flight(worker_key worker) const {
  auto w = workers_.find(worker);
  return w == workers_.end() ? 0 : static_cast<uint32_t>(w->second.line.size());
}

uint32_t scheduler::credit(worker_key worker) const {
  auto w = workers_.find(worker);
  return w == workers_.end() ? 0 : w->second.credit;
}

bool scheduler::has_credit(const worker_slot& w) const {
  if (w.draining || w.line.size() >= w.credit)
    return false;
  // A suspect alone on its worker: nothing joins it, so that if the worker
  // dies, the suspect is the one to blame.
  return std::none_of(w.line.begin(), w.line.end(),
                      [&](batch_key id) { return sent_.at(id).isolated; });
}

// -- jobs --------------------------------------------------------------------

void scheduler::add_job(uint64_t job, std::string model, bool online) {
  auto& q = jobs_.try_emplace(job).first->second;
  q.model = std::move(model);
  q.online = online;
}

void scheduler::hold_job(uint64_t job) {
  jobs_.at(job).held = true;
}

void scheduler::bind_job(uint64_t job, std::string model) {
  auto& q = jobs_.at(job);
  q.model = std::move(model);
  q.held = false;
}

void scheduler::expect(uint64_t job, uint64_t inputs) {
  auto q = jobs_.find(job);
  if (q == jobs_.end())
    return;
  to_come_ = to_come_ - q->second.to_come + inputs;
  q->second.to_come = inputs;
}

void scheduler::received(uint64_t job, uint64_t inputs) {
  if (auto q = jobs_.find(job); q != jobs_.end())
    expect(job, q->second.to_come - std::min(q->second.to_come, inputs));
}

void scheduler::remove_job(uint64_t job) {
  auto q = jobs_.find(job);
  if (q == jobs_.end())
    return;
  to_come_ -= q->second.to_come;
  for (auto& r : q->second.retries)
    tally_.unqueued(r.task);
  for (auto& t : q->second.fresh)
    tally_.unqueued(t);
  jobs_.erase(q);
  std::erase_if(suspects_, [&](auto& s) { return s.first.first == job; });
}

void scheduler::push(image_task task) {
  auto q = jobs_.find(task.job);
  if (q == jobs_.end())
    return;
  tally_.queued(task);
  q->second.fresh.push_back(std::move(task));
}

bool scheduler::has_room() const {
  return tally_.queued_tasks() < options_.max_queued_tasks &&
         held_bytes() < options_.max_queued_bytes;
}

size_t scheduler::in_flight_tasks(uint64_t job) const {
  size_t n = 0;
  for (auto& [id, batch] : sent_)
    if (!batch.overdue)
      n += std::count_if(batch.tasks.begin(), batch.tasks.end(),
                         [&](auto& t) { return t.job == job; });
  return n;
}

// -- dispatch ----------------------------------------------------------------

bool scheduler::may_take(worker_key worker, const retry& r,
                         bool ignore_alone) const {
  if (contains(r.holders, worker))
    return false; // it is working on this task already
  auto& w = workers_.at(worker);
  if (!serves(w, jobs_.at(r.task.job)))
    return false;
  auto s = suspects_.find({r.task.job, r.task.index});
  if (s == suspects_.end())
    return true;
  if (!ignore_alone && !w.line.empty())
    return false; // a suspect goes only to a worker holding nothing else
  if (!contains(s->second.failed_on, worker))
    return true;
  // It failed here before: only if no other worker could take it.
  for (auto& [key, w] : workers_)
    if (key != worker && !w.draining && !contains(r.holders, key) &&
        !contains(s->second.failed_on, key))
      return false;
  return true;
}

// Guided self-scheduling: batches are batch_size tasks while much work is
// left (queued, or still to come from clients), and shrink as it runs
// out, to a share of what is left per unit of the workers' credit.
// Otherwise the end of a job is one worker finishing a last full batch
// while the others idle. Credit past the first few batches covers a
// worker's round trip and does not count: with most tasks in flight to
// far workers, it would shrink every batch, and the batches in flight
// with them.
size_t scheduler::batch_size_now() const {
  size_t credit = 0;
  for (auto& [key, w] : workers_)
    if (!w.draining)
      credit += std::min(w.credit, first_credit);
  auto share = 2 * std::max<size_t>(credit, 1);
  auto left = tally_.queued_tasks() + to_come_;
  return std::clamp<size_t>((left + share - 1) / share, 1,
                            options_.batch_size);
}

size_t scheduler::online_batch_size(const job_queue& q) const {
  size_t serving = 0;
  for (auto& [key, w] : workers_)
    if (!w.draining && serves(w, q))
      ++serving;
  auto share = std::max<size_t>(serving, 1);
  return std::clamp<size_t>((q.fresh.size() + share - 1) / share, 1,
                            options_.batch_size);
}

bool scheduler::online_room(const worker_slot& w) const {
  if (w.draining || online_held(w) >= options_.online_depth)
    return false;
  return std::none_of(w.line.begin(), w.line.end(),
                      [&](batch_key id) { return sent_.at(id).isolated; });
}

std::optional<scheduler::batch>
scheduler::take_online(worker_key worker, clock::time_point now,
                       const recorded_fn& recorded) {
  for (auto& entry : jobs_)
    if (auto& q = entry.second; q.online)
      if (auto b = take_from(q, worker, false, now, recorded))
        return b;
  return std::nullopt;
}

size_t scheduler::online_held(const worker_slot& w) const {
  return std::count_if(w.line.begin(), w.line.end(), [this](batch_key id) {
    auto sent = sent_.find(id);
    return sent != sent_.end() && sent->second.online;
  });
}

// A suspect waiting for a worker that holds nothing else reserves the least
// busy worker that could take it: that worker gets nothing new until it has
// emptied and taken the suspect. Otherwise a busy cluster never frees one.
std::optional<scheduler::worker_key> scheduler::reserved_worker() const {
  std::optional<worker_key> best;
  for (auto& [job, q] : jobs_)
    for (auto& r : q.retries) {
      if (!suspects_.count({r.task.job, r.task.index}))
        continue;
      for (auto& [key, w] : workers_)
        if (!w.draining && may_take(key, r, true) &&
            (!best || w.line.size() < workers_.at(*best).line.size()))
          best = key;
      if (best)
        return best;
    }
  return best;
}

bool scheduler::jobs_wait_for(const worker_slot& w,
                              clock::time_point now) const {
  for (auto& [job, q] : jobs_)
    if (!q.online && serves(w, q) && q.paused_until <= now
        && (!q.fresh.empty() || !q.retries.empty()))
      return true;
  return false;
}

// Online work first, within online_run while jobs wait; then the jobs,
// round-robin; then online work again (nothing else could go).
std::optional<scheduler::batch>
scheduler::take_for(worker_key worker, bool reserved, clock::time_point now,
                    const recorded_fn& recorded) {
  if (jobs_.empty())
    return std::nullopt;
  auto& w = workers_.at(worker);
  auto jobs_wait = jobs_wait_for(w, now);
  auto online = [&]() -> std::optional<batch> {
    if (online_held(w) >= options_.online_depth)
      return std::nullopt;
    for (auto& entry : jobs_)
      if (auto& q = entry.second; q.online)
        if (auto b = take_from(q, worker, reserved, now, recorded)) {
          w.online_streak = jobs_wait ? w.online_streak + 1 : 0;
          return b;
        }
    return std::nullopt;
  };
  if (!jobs_wait || w.online_streak < options_.online_run)
    if (auto b = online())
      return b;
  auto it = jobs_.upper_bound(last_job_);
  for (size_t n = 0; n < jobs_.size(); ++n, ++it) {
    if (it == jobs_.end())
      it = jobs_.begin();
    if (it->second.online)
      continue;
    if (auto b = take_from(it->second, worker, reserved, now, recorded)) {
      last_job_ = it->first;
      w.online_streak = 0;
      return b;
    }
  }
  return online();
}

std::optional<scheduler::batch>
scheduler::take_from(job_queue& q, worker_key worker,
                     bool reserved, clock::time_point now,
                     const recorded_fn& recorded) {
  if (!serves(workers_.at(worker), q))
    return std::nullopt; // bound to another model, or to none yet
  if (q.paused_until > now)
    return std::nullopt; // its store did not answer: wait, then try again
  std::vector<image_task> tasks;
  std::vector<worker_key> holders;
  bool isolated = false;
  for (auto r = q.retries.begin(); r != q.retries.end();) {
    task_key key{r->task.job, r->task.index};
    if (recorded(key.first, key.second)) {
      tally_.unqueued(r->task);
      suspects_.erase(key);
      r = q.retries.erase(r);
      continue;
    }
    auto suspected = suspects_.count(key) > 0;
    if ((!reserved || suspected) && may_take(worker, *r, false)) {
      // A retried task travels alone: if it is what fails, only it does.
      isolated = suspected;
      holders = std::move(r->holders);
      tally_.unqueued(r->task);
      tasks.push_back(std::move(r->task));
      q.retries.erase(r);
      break;
    }
    ++r;
  }
  if (tasks.empty() && !reserved) {
    const auto size = q.online ? online_batch_size(q) : batch_size_now();
    size_t bytes = 0;
    while (!q.fresh.empty() && tasks.size() < size) {
      auto& next = q.fresh.front();
      if (!tasks.empty() && bytes + next.bytes.size() > options_.batch_bytes)
        break;
      auto task = std::move(next);
      q.fresh.pop_front();
      tally_.unqueued(task);
      if (recorded(task.job, task.index))
        continue;
      bytes += task.bytes.size();
      tasks.push_back(std::move(task));
    }
  }
  if (tasks.empty())
    return std::nullopt;
  auto id = next_batch_++;
  auto& w = workers_.at(worker);
  tally_.sent(tasks);
  auto& sent = sent_[id];
  sent = sent_batch{worker,       std::move(tasks), std::move(holders),
                    isolated,     false,            std::nullopt,
                    q.online};
  w.line.push_back(id);
  start_clock(w, now);
  return batch{id, worker, &sent.tasks};
}

std::optional<scheduler::batch>
scheduler::next_batch(clock::time_point now, const recorded_fn& recorded) {
  if (workers_.empty() || tally_.queued_tasks() == 0)
    return std::nullopt;
  // A batch in flight is held three times over for a while (here, in its
  // message, in the connection's buffer): half the byte budget in flight
  // keeps the real footprint near the budget with large images.
  if (tally_.in_flight_bytes() > 0
      && tally_.in_flight_bytes() >= options_.max_queued_bytes / 2)
    return std::nullopt;
  auto reserved = reserved_worker();
  // Round-robin over workers, one batch each, so credit fills evenly.
  auto it = workers_.upper_bound(last_worker_);
  for (size_t n = 0; n < workers_.size(); ++n, ++it) {
    if (it == workers_.end())
      it = workers_.begin();
    // Online batches have a depth of their own (online_depth), beyond the
    // credit the jobs' batches fill, so a request never waits for a job's
    // batch to come back first.
    // A worker reserved for a suspect gets nothing beyond its credit: it
    // must empty to take the suspect alone.
    bool credit = has_credit(it->second);
    if (!credit && (!online_room(it->second) || reserved == it->first))
      continue;
    auto b = credit ? take_for(it->first, reserved == it->first, now, recorded)
                    : take_online(it->first, now, recorded);
    if (b) {
      last_worker_ = it->first;
      return b;
    }
  }
  return std::nullopt;
}

} // namespace fovea
