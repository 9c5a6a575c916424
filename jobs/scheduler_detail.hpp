// Small helpers of the scheduler's two files (scheduler.cpp: workers, jobs
// and dispatch; scheduler_outcomes.cpp: answers, failures and deadlines).
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "messages/image_task.hpp"

namespace fovea::scheduler_detail {

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
