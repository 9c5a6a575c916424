// task_tally: what a scheduler holds, in tasks and image bytes, and the one
// place those counts change.
//
// Guarantees: queued_tasks() and queued_bytes() are the tasks (and their
// bytes) the scheduler has queued and not yet taken off its queues;
// in_flight_bytes() the bytes of batches sent and not yet answered, failed
// or copied elsewhere. The scheduler reports each move of a task (onto a
// queue, off it, out to a worker, back) as one call, so no count is
// adjusted by hand; a count that would go below zero is a bug in the caller
// and is caught by assert in debug builds.
#pragma once

#include <cassert>
#include <cstddef>
#include <vector>

#include "messages/image_task.hpp"

namespace fovea {

class task_tally {
public:
  /// `task` joined a queue.
  void queued(const image_task& task) {
    ++queued_tasks_;
    queued_bytes_ += task.bytes.size();
  }

  /// `task` left its queue: taken for a batch, dropped, or its job ended.
  void unqueued(const image_task& task) {
    assert(queued_tasks_ > 0 && queued_bytes_ >= task.bytes.size());
    --queued_tasks_;
    queued_bytes_ -= task.bytes.size();
  }

  /// A batch of `tasks` went to a worker.
  void sent(const std::vector<image_task>& tasks) {
    in_flight_bytes_ += bytes_of(tasks);
  }

  /// A batch of `tasks` came back: answered, failed, or given up on (its
  /// worker lost, or its tasks copied elsewhere as overdue).
  void returned(const std::vector<image_task>& tasks) {
    auto bytes = bytes_of(tasks);
    assert(in_flight_bytes_ >= bytes);
    in_flight_bytes_ -= bytes;
  }

  size_t queued_tasks() const noexcept { return queued_tasks_; }
  size_t queued_bytes() const noexcept { return queued_bytes_; }
  size_t in_flight_bytes() const noexcept { return in_flight_bytes_; }

private:
  static size_t bytes_of(const std::vector<image_task>& tasks) {
    size_t sum = 0;
    for (auto& task : tasks)
      sum += task.bytes.size();
    return sum;
  }

  size_t queued_tasks_ = 0;
  size_t queued_bytes_ = 0;
  size_t in_flight_bytes_ = 0;
};

} // namespace fovea
