// The scheduler's counts of what it holds, through every move of a task.
#include <catch2/catch.hpp>

#include "jobs/task_tally.hpp"

using namespace fovea;

namespace {

image_task task_of(size_t bytes) {
  image_task task;
  task.bytes.assign(bytes, 0);
  return task;
}

} // namespace

TEST_CASE("a task tally follows tasks onto the queue, out to a worker and "
          "back",
          "[unit]") {
  task_tally tally;
  auto a = task_of(100);
  auto b = task_of(20);
  tally.queued(a);
  tally.queued(b);
  CHECK(tally.queued_tasks() == 2);
  CHECK(tally.queued_bytes() == 120);
  // Taken for a batch and sent: queued no more, in flight.
  tally.unqueued(a);
  tally.unqueued(b);
  tally.sent({a, b});
  CHECK(tally.queued_tasks() == 0);
  CHECK(tally.queued_bytes() == 0);
  CHECK(tally.in_flight_bytes() == 120);
  // The batch fails: back, and one task queued again as a retry.
  tally.returned({a, b});
  tally.queued(b);
  CHECK(tally.in_flight_bytes() == 0);
  CHECK(tally.queued_tasks() == 1);
  CHECK(tally.queued_bytes() == 20);
}
