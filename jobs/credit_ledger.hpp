// credit_ledger: how a coordinator's byte budget (fovea.max-queued-bytes)
// is shared among the jobs that send it tasks (messages/credit.hpp).
//
// A job's credit is outstanding from the moment it is granted until the
// tasks it paid for have their rows (or the job ends): granted but not yet
// spent, and spent on tasks still held. Guarantees:
// - the outstanding credit of all jobs never adds up past the budget, so
//   neither do the task charges the coordinator holds;
// - a job spends only what it was granted: spend() refuses the rest;
// - asks are served in the order they came, each once the budget has room
//   for it, so a job waiting for a large task is not passed by a stream of
//   small grants to others; a job is granted up to an equal share of the
//   budget at a time (more only if its next task alone needs more), as
//   much of it as the budget has room for, in steps of at least a
//   quantum (budget / 64) so that returned charge is granted in chunks,
//   not per task; every ask is answered once served, with the job's
//   credit then;
// - settling a task twice, or a task never spent, changes nothing.
// A plain class: no actors, no clocks; tests/jobs/credit_ledger.test.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

namespace fovea {

class credit_ledger {
public:
  /// `budget`: what all jobs together may hold; `task_floor`: the least a
  /// task is charged (budget / most tasks held).
  credit_ledger(uint64_t budget, uint64_t task_floor);

  uint64_t budget() const noexcept { return budget_; }
  uint64_t task_floor() const noexcept { return task_floor_; }

  struct grant {
    uint64_t job;
    uint64_t granted; ///< the job's credit in all, now
  };

  /// A new job, granted nothing yet.
  void open(uint64_t job);

  /// A job ended: its outstanding credit comes back. Returns the grants
  /// others get from it.
  std::vector<grant> close(uint64_t job);

  /// A job's client needs `need` more to send its next task, and could use
  /// up to `want` unspent; replaces an ask of the job's still waiting.
  /// Returns the grants that can be made now (this one, if there is room).
  /// An ask of a closed job, or one whose need is over the budget, is
  /// ignored.
  std::vector<grant> ask(uint64_t job, uint64_t need, uint64_t want);

  /// The job's client sent tasks of `charge` in all; false (and nothing
  /// spent) if that is past what it was granted.
  bool spend(uint64_t job, uint64_t charge);

  /// A task of the job, charged `charge`, is held until settle(job, index).
  void hold(uint64_t job, uint64_t index, uint64_t charge);

  /// The task's row is recorded: its charge comes back. Returns the grants
  /// others (or the job itself) get from it.
  std::vector<grant> settle(uint64_t job, uint64_t index);

  /// Charge granted and not yet given back, all jobs.
  uint64_t outstanding() const noexcept { return outstanding_; }
  /// Charge spent on tasks still held, all jobs.
  uint64_t held() const noexcept { return held_; }
  uint64_t granted(uint64_t job) const;

private:
  struct account {
    uint64_t granted = 0; ///< in all
    uint64_t spent = 0;   ///< in all
    uint64_t returned = 0; ///< in all: settled tasks
    std::unordered_map<uint64_t, uint64_t> holding; ///< index -> charge
  };

  struct waiting_ask {
    uint64_t job;
    uint64_t need;
    uint64_t want;
  };

  std::vector<grant> serve();
  uint64_t share() const;
  uint64_t quantum() const;

  uint64_t budget_;
  uint64_t task_floor_;
  uint64_t outstanding_ = 0;
  uint64_t held_ = 0;
  std::map<uint64_t, account> jobs_;
  std::deque<waiting_ask> asks_;
};

} // namespace fovea
