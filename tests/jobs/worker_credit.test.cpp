// A worker's credit sized to the round trip to it (jobs/scheduler.hpp): it
// grows while the worker starves with all of it out, shrinks while batches
// wait at the worker for a whole round, and stays within [2, slots].
#include <catch2/catch.hpp>

#include <deque>
#include <set>

#include "jobs/scheduler.hpp"

using namespace fovea;

namespace {

using clock_type = scheduler::clock;
using load = scheduler::worker_load;

// One worker of `slots` and a long queue; batches are sent as credit
// allows and answered oldest first with the load the test says.
struct one_worker {
  explicit one_worker(uint32_t slots) {
    scheduler_options o;
    o.batch_size = 4;
    s = scheduler{o};
    s.add_worker(1, slots, now);
    s.add_job(1);
    for (uint64_t i = 0; i < 100'000; ++i) {
      image_task t;
      t.job = 1;
      t.index = i;
      t.bytes.assign(4, 1);
      s.push(std::move(t));
    }
    send();
  }

  // Sends while the worker has credit.
  void send() {
    auto recorded = [](uint64_t, uint64_t) { return false; };
    while (auto b = s.next_batch(now, recorded))
      line.push_back(b->id);
  }

  // Answers the oldest batch with `l`, then refills.
  void answer(load l) {
    REQUIRE_FALSE(line.empty());
    s.answered(line.front(), now, l);
    line.pop_front();
    send();
  }

  uint32_t credit() const { return s.credit(1); }

  scheduler s;
  clock_type::time_point now = clock_type::now();
  std::deque<scheduler::batch_key> line;
};

constexpr load starved{5'000, 0};
constexpr load barely_starved{100, 0}; // thread wake-up noise
constexpr load fed{0, 1};
constexpr load crowded{0, 5};

} // namespace

TEST_CASE("a worker starts with a credit of 4, or its slots if fewer",
          "[unit][scheduler]") {
  CHECK(one_worker{128}.credit() == 4);
  CHECK(one_worker{128}.line.size() == 4);
  CHECK(one_worker{1}.credit() == 1);
}

TEST_CASE("a worker that starves with all its credit out is given more, up "
          "to its slots",
          "[unit][scheduler]") {
  one_worker w{16};
  w.answer(starved);
  CHECK(w.credit() == 6);
  CHECK(w.line.size() == 6); // the two more were sent at once
  w.answer(barely_starved);
  w.answer(fed);
  CHECK(w.credit() == 6);
  for (int i = 0; i < 10; ++i)
    w.answer(starved);
  CHECK(w.credit() == 16);
  CHECK(w.line.size() == 16);
}

TEST_CASE("a worker that starves with credit to spare is given no more",
          "[unit][scheduler]") {
  scheduler_options o;
  o.batch_size = 4;
  scheduler s{o};
  auto now = clock_type::now();
  s.add_worker(1, 16, now);
  s.add_job(1);
  image_task t;
  t.job = 1;
  t.bytes.assign(4, 1);
  s.push(t);
  auto recorded = [](uint64_t, uint64_t) { return false; };
  auto b = s.next_batch(now, recorded);
  REQUIRE(b);
  // It waited for work, not for credit: one batch out of four.
  s.answered(b->id, now, starved);
  CHECK(s.credit(1) == 4);
}

TEST_CASE("a worker with batches waiting at it for a whole round of its "
          "credit holds one fewer, down to 2",
          "[unit][scheduler]") {
  one_worker w{128};
  // Two more a starved answer, a quarter more once that is more:
  // 4, 6, 8, 10, 12, 15, 18, 22.
  for (int i = 0; i < 7; ++i)
    w.answer(starved);
  REQUIRE(w.credit() == 22);
  // 21 crowded answers in a row are not yet a round...
  for (int i = 0; i < 21; ++i)
    w.answer(crowded);
  CHECK(w.credit() == 22);
  // ... the 22nd is.
  w.answer(crowded);
  CHECK(w.credit() == 21);
  // A burst: crowded answers broken by one that was not start over.
  for (int i = 0; i < 20; ++i)
    w.answer(crowded);
  w.answer(fed);
  for (int i = 0; i < 20; ++i)
    w.answer(crowded);
  CHECK(w.credit() == 21);
  // Crowded for long, it comes down to 2 and no further.
  for (int i = 0; i < 1000; ++i)
    w.answer(crowded);
  CHECK(w.credit() == 2);
  CHECK(w.line.size() == 2);
}
