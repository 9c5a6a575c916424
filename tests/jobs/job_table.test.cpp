// The coordinator's job table: a job is running or ended, never both; ids
// are never reused; the history and the commits stay within their bounds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "jobs/job_table.hpp"

using namespace fovea;

namespace {

using test_table = job_table<std::string, std::string, std::string>;

bool in_history(const test_table& jobs, const std::string& name) {
  auto& history = jobs.history();
  return std::find(history.begin(), history.end(), name) != history.end();
}

} // namespace

TEST_CASE("a job table keeps each job running or ended, never both, "
          "whatever opens and ends",
          "[unit]") {
  // Steps: "+" opens the next job; "-N" ends job N (finished, so with a
  // commit); "xN" ends it without one; "cN" takes its commit.
  auto steps = GENERATE(table<std::vector<std::string>>({
    {{"+", "+", "+", "-2", "-1", "-3"}},
    {{"+", "-1", "-1", "+", "c1", "c1", "-2"}},
    {{"+", "+", "x1", "+", "-3", "-9", "c3", "-2", "c2"}},
    {{"+", "+", "+", "+", "-1", "-2", "-3", "-4", "+", "-5"}},
  }));
  // History of 3, at most 2 commits waiting.
  test_table jobs{3, 2};
  std::set<uint64_t> issued;
  std::set<uint64_t> committed;
  for (auto& step : std::get<0>(steps)) {
    INFO(step);
    if (step == "+") {
      auto id = jobs.next_id();
      CHECK(jobs.open("job " + std::to_string(id)) == id);
      CHECK(issued.insert(id).second); // never reused
      continue;
    }
    auto id = std::stoull(step.substr(1));
    auto name = "job " + std::to_string(id);
    if (step[0] == 'c') {
      auto had = jobs.commit_of(id) != nullptr;
      auto taken = jobs.take_commit(id);
      CHECK(taken.has_value() == had);
      CHECK(jobs.commit_of(id) == nullptr); // taken once
      if (taken) {
        CHECK(*taken == "journal of " + name);
        committed.insert(id);
      }
      continue;
    }
    auto was_running = jobs.find(id) != nullptr;
    auto before = jobs.history().size();
    auto commit = step[0] == '-' ? std::optional{"journal of " + name}
                                 : std::nullopt;
    auto dropped = jobs.finish(id, name, commit);
    CHECK(jobs.find(id) == nullptr);
    if (!was_running) {
      // Ending what does not run changes nothing.
      CHECK(jobs.history().size() == before);
      CHECK_FALSE(dropped);
      continue;
    }
    CHECK(in_history(jobs, name));
    CHECK(jobs.history().back() == name);
    CHECK(dropped.has_value() == (before == 3));
    if (commit)
      CHECK(jobs.commit_of(id) != nullptr);
  }
  // Running and ended are disjoint; every issued id is one or the other
  // unless it fell off the history.
  for (auto& [id, name] : jobs)
    CHECK_FALSE(in_history(jobs, name));
  CHECK(jobs.history().size() <= 3);
  size_t waiting = 0;
  for (auto id : issued)
    waiting += jobs.commit_of(id) != nullptr;
  CHECK(waiting <= 2);
}

TEST_CASE("a job table lets the oldest commit go past its bound",
          "[unit]") {
  test_table jobs{10, 2};
  for (int i = 0; i < 3; ++i)
    jobs.open("job");
  for (uint64_t id = 1; id <= 3; ++id)
    jobs.finish(id, "job " + std::to_string(id),
                "journal " + std::to_string(id));
  CHECK(jobs.commit_of(1) == nullptr);
  REQUIRE(jobs.commit_of(2) != nullptr);
  CHECK(*jobs.commit_of(2) == "journal 2");
  REQUIRE(jobs.commit_of(3) != nullptr);
  CHECK(jobs.running() == 0);
  CHECK(jobs.history().size() == 3);
}
