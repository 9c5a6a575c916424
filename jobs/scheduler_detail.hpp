// Small helpers of the scheduler's two files (scheduler.cpp: workers, jobs
// and dispatch; scheduler_outcomes.cpp: answers, failures and deadlines).
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "messages/image_task.hpp"

namespace fovea::scheduler_detail {

// A worker's credit (scheduler.hpp): it starts at first_credit, never
// drops below least_credit (one batch running, the next one there), and
// grows when the worker starved at least this long: less is the noise of
// threads waking.
constexpr uint32_t first_credit = 4;
constexpr uint32_t least_credit = 2;
constexpr uint32_t starved_threshold_us = 200;
// What a starved answer adds, at least (a quarter of the credit once that
// is more): every answer of a round can, so credit grows more than
// tenfold a round trip while the worker starves (4, 12, 128: two round
// trips to cover 100 ms of the null model at 47,000 images/s a worker),
// and comes down one at a time.
constexpr uint32_t credit_step = 2;

template <class T>
bool contains(const std::vector<T>& xs, const T& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

// Takes a task's bytes and leaves what identifies it: enough to check a
// late answer against.
inline image_task take_bytes(image_task& task) {
  image_task stub;
  stub.job = task.job;
  stub.index = task.index;
  stub.attempt = task.attempt;
  stub.path = task.path;
  return std::exchange(task, std::move(stub));
}

} // namespace fovea::scheduler_detail
