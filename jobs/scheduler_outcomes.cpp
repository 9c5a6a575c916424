// The scheduler's outcomes: answers, failures, deadlines, lost workers,
// and the suspects and poison they make (scheduler.hpp says the rules).
#include "jobs/scheduler.hpp"

#include <algorithm>
#include <utility>

#include "jobs/scheduler_detail.hpp"

namespace fovea {

using namespace scheduler_detail;

// -- lost workers ------------------------------------------------------------

std::vector<scheduler::poisoned>
scheduler::remove_worker(worker_key worker, const std::string& why,
                         clock::time_point) {
  auto w = workers_.find(worker);
  if (w == workers_.end())
    return {};
  auto line = std::move(w->second.line);
  workers_.erase(w);
  std::vector<poisoned> out;
  for (auto id : line) {
    auto found = sent_.find(id);
    auto batch = std::move(found->second);
    sent_.erase(found);
    if (!batch.overdue)
      tally_.returned(batch.tasks);
    auto poison = fail_tasks(batch, why);
    std::move(poison.begin(), poison.end(), std::back_inserter(out));
  }
  return out;
}

// -- answers -----------------------------------------------------------------

std::optional<scheduler::in_flight_view> scheduler::find(batch_key id) const {
  auto b = sent_.find(id);
  if (b == sent_.end())
    return std::nullopt;
  return in_flight_view{b->second.worker, &b->second.tasks, b->second.overdue};
}

// Starved while every batch of its credit was out: the round trip to it is
// longer than what it holds takes, so it may hold one more. (Starved with
// credit to spare, it had no work to get: more credit would not help.)
// Batches waiting at it for a whole round of its credit: it holds more than
// it needs, and what it holds is not for the other workers. A round, not
// one answer: batches sent on a burst of answers arrive in a burst, and
// the last of them wait behind the first even when the worker will starve
// soon after.
void scheduler::size_credit(worker_slot& w, worker_load load) const {
  if (load.starved_us >= starved_threshold_us) {
    w.crowded = 0;
    if (w.line.size() >= w.credit)
      w.credit = std::min(w.credit + std::max(credit_step, w.credit / 4),
                          w.slots);
  } else if (load.queued_ahead <= 2) {
    w.crowded = 0;
  } else if (++w.crowded >= w.credit) {
    w.crowded = 0;
    w.credit = std::max(w.credit - 1, std::min(w.slots, least_credit));
  }
}

void scheduler::answered(batch_key id, clock::time_point now,
                         worker_load load) {
  auto b = sent_.find(id);
  if (b == sent_.end())
    return;
  // An online batch travels beyond the credit: what its worker said of
  // its load does not size the credit the jobs' batches fill.
  if (auto w = workers_.find(b->second.worker);
      w != workers_.end() && !b->second.online)
    size_credit(w->second, load);
  auto batch = std::move(b->second);
  sent_.erase(b);
  if (!batch.overdue)
    tally_.returned(batch.tasks);
  for (auto& t : batch.tasks)
    suspects_.erase({t.job, t.index});
  drop_from_line(batch.worker, id, now);
}

std::vector<scheduler::poisoned>
scheduler::failed(batch_key id, const std::string& why, clock::time_point now) {
  auto b = sent_.find(id);
  if (b == sent_.end())
    return {};
  auto batch = std::move(b->second);
  sent_.erase(b);
  if (!batch.overdue)
    tally_.returned(batch.tasks);
  drop_from_line(batch.worker, id, now);
  return fail_tasks(batch, why);
}

void scheduler::deferred(batch_key id, clock::time_point now,
                         clock::time_point until) {
  auto b = sent_.find(id);
  if (b == sent_.end())
    return;
  auto batch = std::move(b->second);
  sent_.erase(b);
  drop_from_line(batch.worker, id, now);
  if (batch.overdue)
    return; // its tasks were copied for other workers already
  tally_.returned(batch.tasks);
  // Back in front, in their order: the same batch goes out first again.
  for (auto t = batch.tasks.rbegin(); t != batch.tasks.rend(); ++t) {
    auto q = jobs_.find(t->job);
    if (q == jobs_.end())
      continue;
    q->second.paused_until = std::max(q->second.paused_until, until);
    tally_.queued(*t);
    if (batch.isolated || !batch.holders.empty()) // a retry stays one
      q->second.retries.push_front(retry{std::move(*t), batch.holders});
    else
      q->second.fresh.push_front(std::move(*t));
  }
}

bool scheduler::paused(uint64_t job, clock::time_point now) const {
  auto q = jobs_.find(job);
  return q != jobs_.end() && q->second.paused_until > now;
}

scheduler::expiry scheduler::expire(clock::time_point now,
                                    const recorded_fn& recorded) {
  expiry out;
  for (auto& [key, w] : workers_) {
    size_t copied = 0;
    bool overdue = false;
    for (auto id : w.line) {
      auto& b = sent_.at(id);
      if (b.overdue) {
        overdue = true;
        continue;
      }
      if (!b.deadline || now < *b.deadline)
        break; // only the first batch in line has its clock running
      b.overdue = true;
      overdue = true;
      tally_.returned(b.tasks);
      for (auto& t : b.tasks) {
        auto full = take_bytes(t);
        if (recorded(full.job, full.index) || used_up({full.job, full.index}))
          continue;
        auto holders = b.holders;
        holders.push_back(key);
        push_retry(retry{std::move(full), std::move(holders)});
        ++copied;
      }
      start_clock(w, now); // the next in line starts its clock now
    }
    if (copied > 0)
      out.overdue.emplace_back(key, copied);
    if (overdue && now - w.last_answer >= options_.hang_timeout)
      out.hung.push_back(key);
  }
  return out;
}

// -- internals ---------------------------------------------------------------

void scheduler::start_clock(worker_slot& w, clock::time_point now) {
  for (auto id : w.line) {
    auto& b = sent_.at(id);
    if (b.overdue)
      continue;
    if (!b.deadline)
      b.deadline = now + options_.task_timeout;
    return;
  }
}

void scheduler::drop_from_line(worker_key worker, batch_key id,
                               clock::time_point now) {
  auto w = workers_.find(worker);
  if (w == workers_.end())
    return;
  std::erase(w->second.line, id);
  w->second.last_answer = now;
  start_clock(w->second, now);
}

bool scheduler::used_up(const task_key& key) const {
  auto s = suspects_.find(key);
  return s != suspects_.end() && s->second.failures >= options_.max_attempts;
}

bool scheduler::held_elsewhere(const task_key& key, worker_key except) const {
  for (auto& [id, batch] : sent_)
    if (batch.worker != except)
      for (auto& t : batch.tasks)
        if (t.job == key.first && t.index == key.second)
          return true;
  return false;
}

// Each task of a failed batch becomes a suspect; a failure counts against
// it only if it was alone on its worker. Tasks with their bytes go back to
// be retried; the bytes of an overdue batch's tasks are queued already.
std::vector<scheduler::poisoned> scheduler::fail_tasks(sent_batch& batch,
                                                       const std::string& why) {
  std::vector<poisoned> out;
  for (auto& t : batch.tasks) {
    if (!jobs_.count(t.job))
      continue; // the job ended
    task_key key{t.job, t.index};
    auto& s = suspects_[key];
    if (batch.isolated) {
      ++s.failures;
      s.last = why;
    }
    if (!contains(s.failed_on, batch.worker))
      s.failed_on.push_back(batch.worker);
    if (s.failures >= options_.max_attempts) {
      // Used up. Still running on another worker, it may yet get its
      // label there, but it is not sent anywhere else.
      erase_retries(key);
      if (held_elsewhere(key, batch.worker))
        continue;
      auto reason = "poison: failed on all " + std::to_string(s.failures) +
                    " attempts alone on a worker (last: " + s.last + ")";
      erase_retries(key);
      suspects_.erase(key);
      out.push_back(poisoned{take_bytes(t), std::move(reason)});
      continue;
    }
    if (!batch.overdue) {
      std::vector<worker_key> holders;
      for (auto h : batch.holders)
        if (h != batch.worker && workers_.count(h))
          holders.push_back(h);
      push_retry(retry{std::move(t), std::move(holders)});
    }
  }
  return out;
}

void scheduler::push_retry(retry r) {
  auto q = jobs_.find(r.task.job);
  if (q == jobs_.end())
    return;
  ++r.task.attempt;
  ++sent_again_;
  tally_.queued(r.task);
  q->second.retries.push_back(std::move(r));
}

void scheduler::erase_retries(const task_key& key) {
  auto q = jobs_.find(key.first);
  if (q == jobs_.end())
    return;
  std::erase_if(q->second.retries, [&](const retry& r) {
    if (r.task.index != key.second)
      return false;
    tally_.unqueued(r.task);
    return true;
  });
}

} // namespace fovea
