#include "jobs/credit_ledger.hpp"

#include <algorithm>

namespace fovea {

credit_ledger::credit_ledger(uint64_t budget, uint64_t task_floor)
    : budget_(budget), task_floor_(task_floor) {
}

void credit_ledger::open(uint64_t job) {
  jobs_.try_emplace(job);
}

std::vector<credit_ledger::grant> credit_ledger::close(uint64_t job) {
  auto found = jobs_.find(job);
  if (found == jobs_.end())
    return {};
  auto& acct = found->second;
  outstanding_ -= acct.granted - acct.returned;
  for (auto& [index, charge] : acct.holding)
    held_ -= charge;
  jobs_.erase(found);
  std::erase_if(asks_, [job](const waiting_ask& a) { return a.job == job; });
  return serve();
}

std::vector<credit_ledger::grant>
credit_ledger::ask(uint64_t job, uint64_t need, uint64_t want) {
  if (jobs_.count(job) == 0 || need > budget_)
    return {};
  want = std::max(want, need);
  auto waiting = std::find_if(asks_.begin(), asks_.end(),
                              [job](const waiting_ask& a) { return a.job == job; });
  if (waiting != asks_.end()) {
    waiting->need = need;
    waiting->want = want;
  } else {
    asks_.push_back({job, need, want});
  }
  return serve();
}

bool credit_ledger::spend(uint64_t job, uint64_t charge) {
  auto found = jobs_.find(job);
  if (found == jobs_.end())
    return false;
  auto& acct = found->second;
  if (charge > acct.granted - acct.spent)
    return false;
  acct.spent += charge;
  return true;
}

void credit_ledger::hold(uint64_t job, uint64_t index, uint64_t charge) {
  auto found = jobs_.find(job);
  if (found == jobs_.end())
    return;
  found->second.holding[index] += charge;
  held_ += charge;
}

std::vector<credit_ledger::grant> credit_ledger::settle(uint64_t job,
                                                        uint64_t index) {
  auto found = jobs_.find(job);
  if (found == jobs_.end())
    return {};
  auto& acct = found->second;
  auto task = acct.holding.find(index);
  if (task == acct.holding.end())
    return {};
  acct.returned += task->second;
  outstanding_ -= task->second;
  held_ -= task->second;
  acct.holding.erase(task);
  return serve();
}

uint64_t credit_ledger::granted(uint64_t job) const {
  auto found = jobs_.find(job);
  return found == jobs_.end() ? 0 : found->second.granted;
}

uint64_t credit_ledger::share() const {
  return budget_ / std::max<uint64_t>(1, jobs_.size());
}

// A grant smaller than this waits for more room (unless it is all the ask
// wants): a task's row returns its charge, and a grant per row would be a
// credit message per image.
uint64_t credit_ledger::quantum() const {
  return std::max(task_floor_, budget_ / 64);
}

// Serves waiting asks in order while the budget has room for the one at
// the front: each gets enough that its unspent credit covers its next task
// and, within its share of the budget, as much as it wants and the room
// allows, in steps of at least a quantum.
std::vector<credit_ledger::grant> credit_ledger::serve() {
  std::vector<grant> result;
  while (!asks_.empty()) {
    auto& next = asks_.front();
    auto& acct = jobs_.at(next.job);
    auto unspent = acct.granted - acct.spent;
    auto target = std::max(next.need, std::min(next.want, share()));
    if (target > unspent) {
      auto missing = target - unspent;
      auto amount = std::min(missing, budget_ - outstanding_);
      if (unspent + amount < next.need
          || amount < std::min(missing, quantum()))
        break;
      acct.granted += amount;
      outstanding_ += amount;
    }
    // Every ask is answered, if only with what the job had already.
    result.push_back({next.job, acct.granted});
    asks_.pop_front();
  }
  return result;
}

} // namespace fovea
