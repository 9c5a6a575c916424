// The scheduler's policy, without actors: credit, batch cutting, byte
// limits, fair sharing, slowness versus failure, suspects and poison.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "jobs/scheduler.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

using clock_type = scheduler::clock;

image_task task_of(uint64_t job, uint64_t index, size_t bytes = 10) {
  image_task t;
  t.job = job;
  t.index = index;
  t.path = "img" + std::to_string(index) + ".png";
  t.bytes.assign(bytes, 1);
  return t;
}

// Inputs recorded so far; what the coordinator's ledgers answer.
struct ledger {
  std::set<std::pair<uint64_t, uint64_t>> done;
  scheduler::recorded_fn fn() {
    return [this](uint64_t job, uint64_t index) {
      return done.count({job, index}) > 0;
    };
  }
  void record(const scheduler::batch& b) {
    for (auto& t : *b.tasks)
      done.insert({t.job, t.index});
  }
};

scheduler_options quick() {
  scheduler_options o;
  o.batch_size = 8;
  o.task_timeout = 1s;
  o.hang_timeout = 10s;
  return o;
}

void fill(scheduler& s, uint64_t job, uint64_t count, size_t bytes = 10) {
  s.add_job(job);
  for (uint64_t i = 0; i < count; ++i)
    s.push(task_of(job, i, bytes));
}

} // namespace

TEST_CASE("a batch shrinks with what is left per unit of credit",
          "[unit][scheduler]") {
  auto [queued, workers, slots, expected] = GENERATE(table<int, int, int, int>({
      {1000, 1, 4, 8}, // long queue: full batches
      {64, 1, 4, 8},
      {40, 1, 4, 5}, // 40 / (2 x 4 credit)
      {16, 2, 4, 1},
      {3, 1, 1, 2},
      {1, 2, 4, 1},
  }));
  scheduler s{quick()};
  auto now = clock_type::now();
  for (int w = 1; w <= workers; ++w)
    s.add_worker(w, slots, now);
  fill(s, 1, queued);
  ledger l;
  auto b = s.next_batch(now, l.fn());
  REQUIRE(b);
  CHECK(b->tasks->size() == static_cast<size_t>(expected));
}

TEST_CASE("a batch stays full while the job's inputs are still to come, and "
          "shrinks as they run out",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 4, now);
  fill(s, 1, 40); // 40 / (2 x 4 credit) = 5 a batch, were that all
  s.expect(1, 10'000);
  s.received(1, 40);
  ledger l;
  auto full = s.next_batch(now, l.fn());
  REQUIRE(full);
  CHECK(full->tasks->size() == 8);
  // All sent: only the queue is left.
  s.received(1, 9'960);
  auto shrunk = s.next_batch(now, l.fn());
  REQUIRE(shrunk);
  CHECK(shrunk->tasks->size() == 4); // 32 / 8
}

TEST_CASE("a worker gets no more than its slots, and a draining one nothing",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 2, now);
  s.add_worker(2, 3, now);
  fill(s, 1, 1000);
  ledger l;
  int sent = 0;
  while (s.next_batch(now, l.fn()))
    ++sent;
  CHECK(sent == 5);
  CHECK(s.in_flight(1) == 2);
  CHECK(s.in_flight(2) == 3);
  s.add_worker(3, 4, now);
  s.drain(3);
  CHECK_FALSE(s.next_batch(now, l.fn()));
}

TEST_CASE("batches are cut by bytes, and queued plus in-flight bytes bound "
          "what clients may add",
          "[unit][scheduler]") {
  auto o = quick();
  o.batch_bytes = 3000;
  o.max_queued_bytes = 10000;
  scheduler s{o};
  auto now = clock_type::now();
  s.add_job(1);
  for (int i = 0; i < 9; ++i) {
    REQUIRE(s.has_room());
    s.push(task_of(1, i, 1000));
  }
  s.push(task_of(1, 9, 1000));
  CHECK_FALSE(s.has_room()); // 10000 bytes queued
  s.add_worker(1, 1, now);
  ledger l;
  auto b = s.next_batch(now, l.fn());
  REQUIRE(b);
  CHECK(b->tasks->size() == 3); // 3000 bytes
  CHECK(s.held_bytes() == 10000);
  CHECK_FALSE(s.has_room()); // sent is still held
  s.answered(b->id, now);
  CHECK(s.held_bytes() == 7000);
  CHECK(s.has_room());
}

TEST_CASE("two jobs alternate batch by batch", "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 3, now);
  s.add_worker(2, 3, now);
  fill(s, 1, 1000);
  fill(s, 2, 20);
  ledger l;
  std::vector<uint64_t> order;
  for (int i = 0; i < 6; ++i) {
    auto b = s.next_batch(now, l.fn());
    REQUIRE(b);
    order.push_back(b->tasks->front().job);
  }
  CHECK(order == std::vector<uint64_t>{1, 2, 1, 2, 1, 2});
  CHECK(s.in_flight_tasks(2) == 20);
}

TEST_CASE("a job's tasks go only to workers of its model, and a held job's "
          "to none until it is bound",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 2, now, "fashion@1");
  s.add_worker(2, 2, now, "fashion@2");
  fill(s, 1, 8);
  s.hold_job(1);
  ledger l;
  CHECK_FALSE(s.next_batch(now, l.fn()));
  CHECK(s.queued_tasks() == 8);
  s.bind_job(1, "fashion@2");
  fill(s, 2, 8);
  s.bind_job(2, "fashion@1");
  std::map<uint64_t, uint64_t> worker_of_job;
  while (auto b = s.next_batch(now, l.fn())) {
    for (auto& t : *b->tasks) {
      auto [it, fresh] = worker_of_job.emplace(t.job, b->worker);
      CHECK(it->second == b->worker);
    }
    l.record(*b);
  }
  CHECK(worker_of_job == std::map<uint64_t, uint64_t>{{1, 2}, {2, 1}});
}

TEST_CASE("a batch's clock starts when it reaches the front of its worker's "
          "line",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto t0 = clock_type::now();
  s.add_worker(1, 4, t0);
  fill(s, 1, 64);
  ledger l;
  auto first = s.next_batch(t0, l.fn());
  auto second = s.next_batch(t0, l.fn());
  REQUIRE((first && second));
  // 0.9 s later the first is answered; the second has been queued behind it
  // for 0.9 s, but its own second starts now.
  l.record(*first);
  s.answered(first->id, t0 + 900ms);
  auto e = s.expire(t0 + 1500ms, l.fn());
  CHECK(e.overdue.empty());
  e = s.expire(t0 + 1950ms, l.fn());
  REQUIRE(e.overdue.size() == 1);
  CHECK(e.overdue.front().second == second->tasks->size());
}

TEST_CASE("an overdue batch is copied to another worker, never back to its "
          "own, and its late answer still counts",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto t0 = clock_type::now();
  s.add_worker(1, 1, t0);
  fill(s, 1, 1);
  ledger l;
  auto slow = s.next_batch(t0, l.fn());
  REQUIRE(slow);
  auto e = s.expire(t0 + 2s, l.fn());
  REQUIRE(e.overdue.size() == 1);
  CHECK_FALSE(s.next_batch(t0 + 2s, l.fn())); // worker 1 holds it already
  s.add_worker(2, 1, t0 + 2s);
  auto copy = s.next_batch(t0 + 2s, l.fn());
  REQUIRE(copy);
  CHECK(copy->worker == 2);
  CHECK(copy->tasks->front().bytes.size() == 10);
  // Worker 2 is slow too: nobody else is left, so nothing is poison and
  // nothing is sent again; worker 1's late answer is the one recorded.
  e = s.expire(t0 + 4s, l.fn());
  CHECK_FALSE(s.next_batch(t0 + 4s, l.fn()));
  auto view = s.find(slow->id);
  REQUIRE(view);
  CHECK(view->overdue);
  l.done.insert({1, 0});
  s.answered(slow->id, t0 + 5s);
  CHECK(s.in_flight(1) == 0);
  // The copy still queued is dropped once asked for: its input has a row.
  CHECK_FALSE(s.next_batch(t0 + 5s, l.fn()));
  CHECK(s.queued_tasks() == 0);
}

TEST_CASE("a lost worker's tasks become suspects: each travels alone to a "
          "worker holding nothing else, and only the one that kills "
          "workers there is poison",
          "[unit][scheduler]") {
  auto o = quick();
  o.max_attempts = 2;
  scheduler s{o};
  auto now = clock_type::now();
  fill(s, 1, 8);
  ledger l;
  s.add_worker(1, 1, now);
  auto b = s.next_batch(now, l.fn());
  REQUIRE(b);
  REQUIRE(b->tasks->size() == 4);
  // Input 2 kills whatever worker runs it.
  CHECK(s.remove_worker(1, "w1 lost", now).empty());
  scheduler::worker_key next = 2;
  std::vector<std::string> poison;
  for (int round = 0; round < 20 && l.done.size() + poison.size() < 4;
       ++round) {
    s.add_worker(next, 4, now);
    auto alone = s.next_batch(now, l.fn());
    REQUIRE(alone);
    CHECK(alone->tasks->size() == 1);
    CHECK_FALSE(s.next_batch(now, l.fn())); // nothing joins a suspect
    if (alone->tasks->front().index == 2) {
      for (auto& p : s.remove_worker(next, "w lost", now))
        poison.push_back(std::to_string(p.task.index) + " " + p.reason);
      ++next;
    } else {
      l.record(*alone);
      s.answered(alone->id, now);
      s.remove_worker(next++, "left", now);
    }
  }
  REQUIRE(poison.size() == 1);
  CHECK(poison.front().rfind("2 poison: failed on all 2 attempts", 0) == 0);
  CHECK(l.done.size() == 3);
}

TEST_CASE("a suspect reserves the least busy worker, which takes nothing "
          "new until it can run the suspect alone",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  ledger l;
  s.add_worker(1, 2, now);
  s.add_worker(2, 2, now);
  fill(s, 1, 1000);
  auto a = s.next_batch(now, l.fn());
  auto b = s.next_batch(now, l.fn());
  REQUIRE((a && b));
  REQUIRE(a->worker != b->worker);
  // b's worker answers with an error: its tasks are suspects.
  auto lost = b->worker;
  CHECK(s.failed(b->id, "inference failed", now).empty());
  auto c = s.next_batch(now, l.fn());
  REQUIRE(c);
  // Preferably not where it failed: the suspect goes to a's worker once
  // that one is empty; meanwhile the failing worker keeps the fresh work.
  CHECK(c->worker == lost);
  CHECK(c->tasks->size() > 1);
  auto d = s.next_batch(now, l.fn());
  REQUIRE(d);
  CHECK(d->worker == lost);
  CHECK_FALSE(s.next_batch(now, l.fn())); // a's worker is reserved
  // Nor does it take an online batch: that goes beyond the credit of the
  // worker that is not reserved.
  s.add_job(9, {}, true);
  s.push(task_of(9, 0));
  auto online = s.next_batch(now, l.fn());
  REQUIRE(online);
  CHECK(online->worker == lost);
  l.record(*a);
  s.answered(a->id, now);
  auto alone = s.next_batch(now, l.fn());
  REQUIRE(alone);
  CHECK(alone->worker == a->worker);
  CHECK(alone->tasks->size() == 1);
}

TEST_CASE("timeouts alone never make poison, and a worker silent past the hang "
          "timeout is reported hung",
          "[unit][scheduler]") {
  auto o = quick();
  o.max_attempts = 1;
  scheduler s{o};
  auto t0 = clock_type::now();
  s.add_worker(1, 4, t0);
  s.add_worker(2, 4, t0);
  fill(s, 1, 1);
  ledger l;
  auto first = s.next_batch(t0, l.fn());
  REQUIRE(first);
  auto t = t0;
  for (int i = 0; i < 4; ++i) {
    t += 2s;
    auto e = s.expire(t, l.fn());
    CHECK(e.hung.empty());
    s.next_batch(t, l.fn());
  }
  CHECK(s.in_flight(1) + s.in_flight(2) == 2); // one copy each, no more
  auto e = s.expire(t0 + 11s, l.fn());
  CHECK(e.hung.size() == 2);
  // Given up on as hung, a worker's tasks are suspects, not poison, while
  // the other still holds them.
  CHECK(s.remove_worker(1, "hung", t0 + 11s).empty());
}

TEST_CASE("a batch whose store did not answer goes out again as it was, "
          "once its job's pause ends, while other jobs go on",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 4, now);
  fill(s, 1, 16);
  fill(s, 2, 8);
  ledger l;
  auto first = s.next_batch(now, l.fn());
  REQUIRE(first);
  REQUIRE(first->tasks->front().job == 1);
  auto sent = *first->tasks;
  s.deferred(first->id, now, now + 2s);
  CHECK(s.paused(1, now));
  CHECK(s.in_flight(1) == 0); // its credit is free again
  // Job 2 is not paused; job 1 gets nothing while it is.
  std::vector<uint64_t> jobs;
  while (auto b = s.next_batch(now + 1s, l.fn())) {
    jobs.push_back(b->tasks->front().job);
    l.record(*b);
    s.answered(b->id, now + 1s);
  }
  CHECK(std::set<uint64_t>(jobs.begin(), jobs.end())
        == std::set<uint64_t>{2});
  // After the pause: the same tasks first, in order, attempts not counted
  // (batches are cut anew, to what is left per unit of credit).
  CHECK_FALSE(s.paused(1, now + 3s));
  std::vector<image_task> again;
  while (again.size() < sent.size()) {
    auto b = s.next_batch(now + 3s, l.fn());
    REQUIRE(b);
    again.insert(again.end(), b->tasks->begin(), b->tasks->end());
  }
  for (size_t i = 0; i < sent.size(); ++i) {
    CHECK(again[i].index == sent[i].index);
    CHECK(again[i].attempt == sent[i].attempt);
  }
  CHECK(s.tasks_sent_again() == 0); // no failure: nothing retried
}

TEST_CASE("online requests go before queued job batches, and take at most "
          "three batches in a row of a worker while a job waits",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 64, now);
  fill(s, 1, 1000);
  s.add_job(9, {}, true);
  for (uint64_t i = 0; i < 100; ++i)
    s.push(task_of(9, i));
  ledger l;
  std::vector<uint64_t> order;
  for (int i = 0; i < 12; ++i) {
    auto b = s.next_batch(now, l.fn());
    REQUIRE(b);
    order.push_back(b->tasks->front().job);
    l.record(*b);
    s.answered(b->id, now); // its credit comes back
  }
  CHECK(order == std::vector<uint64_t>{9, 9, 9, 1, 9, 9, 9, 1, 9, 9, 9, 1});
}

TEST_CASE("a lone online request goes out at once, ahead of a long job, and "
          "online work takes every batch when no job waits",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 64, now);
  fill(s, 1, 16);
  s.add_job(9, {}, true);
  s.push(task_of(9, 0));
  ledger l;
  auto first = s.next_batch(now, l.fn());
  REQUIRE(first);
  CHECK(first->tasks->size() == 1);
  CHECK(first->tasks->front().job == 9);
  s.answered(first->id, now);
  // The job's batches, then only online work is left.
  std::vector<uint64_t> order;
  for (uint64_t i = 1; i <= 200; ++i) // 25 online batches of 8
    s.push(task_of(9, i));
  while (auto b = s.next_batch(now, l.fn())) {
    order.push_back(b->tasks->front().job);
    l.record(*b);
    s.answered(b->id, now);
  }
  // While the job waits: three online batches, one of the job's, and so
  // on; once it is done, online work takes every batch.
  REQUIRE(order.size() >= 6);
  auto job_batches = std::count(order.begin(), order.end(), 1u);
  CHECK(job_batches >= 1);
  auto last_job = std::find(order.rbegin(), order.rend(), 1u);
  CHECK(std::all_of(order.rbegin(), last_job,
                    [](uint64_t j) { return j == 9; }));
  // More than online_run in a row at the end: nothing else waited.
  CHECK(std::distance(order.rbegin(), last_job) > 3);
  // The lone request was the first of three online batches in a row.
  CHECK(std::equal(order.begin(), order.begin() + 3,
                   std::vector<uint64_t>{9, 9, 1}.begin()));
}

TEST_CASE("a worker holds at most two online batches; requests that come "
          "meanwhile go out together, shared among the workers",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 8, now);
  s.add_worker(2, 8, now);
  s.add_job(9, {}, true);
  ledger l;
  uint64_t next = 0;
  auto arrive = [&](int n) {
    for (int i = 0; i < n; ++i)
      s.push(task_of(9, next++));
  };
  // Two lone requests, one after the other: each goes at once.
  std::vector<scheduler::batch> held;
  for (int i = 0; i < 4; ++i) {
    arrive(1);
    auto b = s.next_batch(now, l.fn());
    REQUIRE(b);
    CHECK(b->tasks->size() == 1);
    held.push_back(*b);
  }
  // Both workers hold two online batches now: six more wait, whatever
  // credit is left.
  arrive(6);
  CHECK_FALSE(s.next_batch(now, l.fn()));
  CHECK(s.queued_tasks() == 6);
  // A worker answers one: it takes half of what waits, in one batch (the
  // other worker serves this model too).
  l.record(held[0]);
  s.answered(held[0].id, now);
  auto together = s.next_batch(now, l.fn());
  REQUIRE(together);
  CHECK(together->worker == held[0].worker);
  CHECK(together->tasks->size() == 3);
  CHECK_FALSE(s.next_batch(now, l.fn()));
}

TEST_CASE("an online request goes to a worker whose credit the jobs' "
          "batches fill, within its online depth",
          "[unit][scheduler]") {
  scheduler s{quick()};
  auto now = clock_type::now();
  s.add_worker(1, 4, now);
  fill(s, 1, 1000);
  ledger l;
  while (s.next_batch(now, l.fn())) {
  }
  CHECK(s.in_flight(1) == s.credit(1)); // full of the job's batches
  s.add_job(9, {}, true);
  for (uint64_t i = 0; i < 3; ++i) {
    s.push(task_of(9, i));
    auto b = s.next_batch(now, l.fn());
    if (i < 2) { // online_depth: 2
      REQUIRE(b);
      CHECK(b->tasks->front().job == 9);
    } else {
      CHECK_FALSE(b);
    }
  }
  CHECK(s.in_flight(1) == s.credit(1) + 2);
}
