// The inference requests a coordinator holds: bounded in count, bytes and
// per principal, each answered once, by its rows or by its deadline.
#include <catch2/catch.hpp>

#include "jobs/online_requests.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

using clock_type = online_requests::clock;

std::vector<image_task> images(size_t n, size_t bytes = 100) {
  std::vector<image_task> tasks(n);
  for (auto& t : tasks)
    t.bytes.assign(bytes, 7);
  return tasks;
}

prediction row_for(const image_task& task, int32_t label) {
  prediction p;
  p.job = task.job;
  p.index = task.index;
  p.label = label;
  return p;
}

online_limits small() {
  online_limits limits;
  limits.max_bytes = 10'000;
  limits.max_requests = 4;
  limits.max_per_principal = 2;
  limits.task_floor = 1000;
  return limits;
}

const auto start = clock_type::time_point{};
const auto later = start + 10s;

} // namespace

TEST_CASE("an online request is answered once, with its rows in its order",
          "[online]") {
  online_requests held(small());
  auto tasks = images(3);
  auto admitted = held.admit(1, "alice", "model-a", tasks, start, later);
  REQUIRE(admitted.why == online_requests::refusal::none);
  CHECK(admitted.new_job);
  CHECK(online_requests::is_online(admitted.job));
  CHECK(tasks[0].job == admitted.job);
  CHECK(tasks[1].index == tasks[0].index + 1);
  CHECK(held.pending(tasks[2].job, tasks[2].index));
  CHECK_FALSE(held.record(row_for(tasks[2], 2)));
  CHECK_FALSE(held.pending(tasks[2].job, tasks[2].index));
  CHECK_FALSE(held.record(row_for(tasks[2], 9))); // a copy's late answer
  CHECK_FALSE(held.record(row_for(tasks[0], 0)));
  auto done = held.record(row_for(tasks[1], 1));
  REQUIRE(done);
  CHECK(done->key == 1);
  REQUIRE(done->rows.size() == 3);
  CHECK(done->rows[0].label == 0);
  CHECK(done->rows[1].label == 1);
  CHECK(done->rows[2].label == 2); // the first answer, not the copy's
  CHECK(held.requests() == 0);
  CHECK(held.held_bytes() == 0);
  CHECK_FALSE(held.record(row_for(tasks[1], 1)));
  CHECK_FALSE(held.pending(tasks[0].job, tasks[0].index));
}

TEST_CASE("each model has its own online job and indices are never reused",
          "[online]") {
  online_requests held(small());
  auto a1 = images(2);
  auto b1 = images(1);
  auto a2 = images(1);
  auto ja = held.admit(1, "alice", "model-a", a1, start, later);
  auto jb = held.admit(2, "bob", "model-b", b1, start, later);
  CHECK(ja.job != jb.job);
  REQUIRE(held.drop(1));
  auto ja2 = held.admit(3, "bob", "model-a", a2, start, later);
  CHECK(ja2.job == ja.job);
  CHECK_FALSE(ja2.new_job);
  CHECK(a2[0].index == 2); // after the dropped request's
  CHECK_FALSE(held.record(row_for(a1[0], 0))); // dropped: ignored
  CHECK_FALSE(held.pending(a1[1].job, a1[1].index));
  CHECK(held.record(row_for(a2[0], 4)));
  CHECK(held.record(row_for(b1[0], 5)));
}

TEST_CASE("online requests past their bounds are refused at once, saying "
          "which",
          "[online]") {
  online_requests held(small());
  SECTION("bytes: each task charged at least the floor") {
    auto big = images(1, 9'500);
    REQUIRE(held.admit(1, "alice", "m", big, start, later).why
            == online_requests::refusal::none);
    auto one = images(1, 10); // charged 1,000: past 10,000 with the first
    auto refused = held.admit(2, "bob", "m", one, start, later);
    CHECK(refused.why == online_requests::refusal::full);
    CHECK_THAT(refused.reason, Catch::Contains("try again later"));
    CHECK(one[0].job == 0); // untouched
    REQUIRE(held.drop(1));
    CHECK(held.admit(2, "bob", "m", one, start, later).why
          == online_requests::refusal::none);
  }
  SECTION("per principal, then in all") {
    for (uint64_t key = 1; key <= 2; ++key) {
      auto t = images(1);
      REQUIRE(held.admit(key, "alice", "m", t, start, later).why
              == online_requests::refusal::none);
    }
    auto third = images(1);
    auto refused = held.admit(3, "alice", "m", third, start, later);
    CHECK(refused.why == online_requests::refusal::quota);
    CHECK_THAT(refused.reason, Catch::Contains("alice"));
    for (uint64_t key = 3; key <= 4; ++key) {
      auto t = images(1);
      REQUIRE(held.admit(key, "bob", "m", t, start, later).why
              == online_requests::refusal::none);
    }
    auto fifth = images(1);
    CHECK(held.admit(5, "carol", "m", fifth, start, later).why
          == online_requests::refusal::full);
  }
  SECTION("a key twice") {
    auto t = images(1);
    REQUIRE(held.admit(1, "alice", "m", t, start, later).why
            == online_requests::refusal::none);
    auto again = images(1);
    CHECK(held.admit(1, "alice", "m", again, start, later).why
          == online_requests::refusal::duplicate);
  }
}

TEST_CASE("an online request past its deadline is removed, and its late "
          "rows ignored",
          "[online]") {
  online_requests held(small());
  auto soon = images(2);
  auto late = images(1);
  held.admit(1, "alice", "m", soon, start, clock_type::time_point{} + 1s);
  held.admit(2, "alice", "m", late, start, later);
  CHECK(held.expire(clock_type::time_point{} + 500ms).empty());
  auto expired = held.expire(clock_type::time_point{} + 1s);
  REQUIRE(expired == std::vector<uint64_t>{1});
  CHECK_FALSE(held.pending(soon[0].job, soon[0].index));
  CHECK_FALSE(held.record(row_for(soon[0], 0)));
  CHECK(held.requests() == 1);
  CHECK(held.record(row_for(late[0], 3)));
}

TEST_CASE("an online request's wait is taken when its first task goes out",
          "[online]") {
  online_requests held(small());
  auto tasks = images(2);
  held.admit(1, "alice", "m", tasks, start, later);
  auto waited = held.dispatched(tasks[1].job, tasks[1].index, start + 3ms);
  REQUIRE(waited);
  CHECK(*waited == 3ms);
  CHECK_FALSE(held.dispatched(tasks[0].job, tasks[0].index, start + 4ms));
  held.record(row_for(tasks[0], 0));
  auto done = held.record(row_for(tasks[1], 1));
  REQUIRE(done);
  CHECK(done->admitted == start);
}

TEST_CASE("an online request of no tasks leaves the next one's rows alone",
          "[online]") {
  online_requests held(small());
  std::vector<image_task> none;
  auto next = images(1);
  held.admit(1, "alice", "m", none, start, later);
  held.admit(2, "alice", "m", next, start, later);
  REQUIRE(held.drop(1));
  CHECK(held.pending(next[0].job, next[0].index));
  CHECK(held.record(row_for(next[0], 1)));
}
