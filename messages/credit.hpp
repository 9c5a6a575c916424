// job_credit: how much of a job's inputs its client may send the
// coordinator, which holds every task it accepts in memory until the
// task's row is recorded.
//
// Each task costs its charge: its image bytes and path plus a fixed
// overhead, and never less than `task_floor` (so that the budget bounds the
// number of tasks too). The coordinator grants charge in steps; `granted`
// is what the client may have sent in all since the job opened. An enqueue
// that would go past it is refused, not held, and a task whose charge is
// over `ceiling` (the coordinator's whole budget) can never be sent: the
// client reports it as that input's error row. Both sides compute charges
// with task_charge() below, so they agree to the byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

#include "messages/image_task.hpp"

namespace fovea {

struct job_credit {
  uint64_t job = 0;
  uint64_t granted = 0;    ///< charge the client may have sent, in all
  uint64_t task_floor = 0; ///< the least a task is charged
  uint64_t ceiling = 0;    ///< the most any task may be charged
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_credit& x) {
  return f(caf::meta::type_name("job_credit"), x.job, x.granted, x.task_floor,
           x.ceiling);
}

/// What a task held in memory costs besides its bytes and path (the task
/// itself, its place in the queue and the ledger), rounded up.
constexpr uint64_t task_overhead = 512;

/// The charge of a task of `bytes` image bytes and a path of `path` bytes.
constexpr uint64_t task_charge(uint64_t bytes, uint64_t path,
                               uint64_t task_floor) {
  return std::max(task_floor, bytes + path + task_overhead);
}

inline uint64_t task_charge(const image_task& task, uint64_t task_floor) {
  return task_charge(task.bytes.size(), task.path.size(), task_floor);
}

} // namespace fovea
