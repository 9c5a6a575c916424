// The coordinator's byte budget shared among jobs: bounded, fair in the
// order jobs ask, and never spent past what was granted.
#include <catch2/catch.hpp>

#include "jobs/credit_ledger.hpp"

using namespace fovea;

namespace {

uint64_t granted_to(const std::vector<credit_ledger::grant>& grants,
                    uint64_t job) {
  uint64_t result = 0;
  for (auto& g : grants)
    if (g.job == job)
      result = g.granted;
  return result;
}

} // namespace

TEST_CASE("a job alone is granted what it wants, within the budget",
          "[unit][credit]") {
  credit_ledger ledger{1000, 10};
  ledger.open(1);
  auto grants = ledger.ask(1, 50, 400);
  REQUIRE(grants.size() == 1);
  CHECK(granted_to(grants, 1) == 400);
  CHECK(ledger.outstanding() == 400);
  // Wanting more than the budget gets the budget.
  grants = ledger.ask(1, 50, 5000);
  CHECK(granted_to(grants, 1) == 1000);
  CHECK(ledger.outstanding() == 1000);
}

TEST_CASE("a job spends only what it was granted", "[unit][credit]") {
  credit_ledger ledger{1000, 10};
  ledger.open(1);
  ledger.ask(1, 100, 100);
  CHECK(ledger.spend(1, 60));
  CHECK_FALSE(ledger.spend(1, 41));
  CHECK(ledger.spend(1, 40));
  CHECK_FALSE(ledger.spend(1, 1));
  CHECK_FALSE(ledger.spend(2, 1)); // no such job
}

TEST_CASE("settled tasks give their charge back, and waiting asks are "
          "served in order",
          "[unit][credit]") {
  credit_ledger ledger{1000, 10};
  ledger.open(1);
  ledger.open(2);
  ledger.open(3);
  // Job 1 takes all it can (its share, 333), then more once alone...
  CHECK(granted_to(ledger.ask(1, 300, 1000), 1) == 333);
  REQUIRE(ledger.spend(1, 300));
  ledger.hold(1, 0, 300);
  // ... job 2 needs a large task: 600 of the 667 left.
  CHECK(granted_to(ledger.ask(2, 600, 600), 2) == 600);
  // Job 3 needs 100: only 67 are free, so it waits.
  CHECK(ledger.ask(3, 100, 100).empty());
  // Job 1's ask for more waits behind job 3's.
  CHECK(ledger.ask(1, 50, 50).empty());
  // Job 1's task is done: 300 come back; job 3 first, then job 1.
  auto grants = ledger.settle(1, 0);
  REQUIRE(grants.size() == 2);
  CHECK(grants[0].job == 3);
  CHECK(grants[0].granted == 100);
  CHECK(grants[1].job == 1);
  CHECK(ledger.outstanding() <= ledger.budget());
  // A task settled twice, or never held, changes nothing.
  auto before = ledger.outstanding();
  CHECK(ledger.settle(1, 0).empty());
  CHECK(ledger.settle(1, 99).empty());
  CHECK(ledger.outstanding() == before);
}

TEST_CASE("a closed job gives back all it held and was granted",
          "[unit][credit]") {
  credit_ledger ledger{1000, 10};
  ledger.open(1);
  ledger.open(2);
  ledger.ask(1, 500, 500);
  REQUIRE(ledger.spend(1, 200));
  ledger.hold(1, 0, 120);
  ledger.hold(1, 1, 80);
  CHECK(ledger.held() == 200);
  CHECK(ledger.ask(2, 600, 600).empty()); // 500 free
  auto grants = ledger.close(1);
  CHECK(granted_to(grants, 2) == 600);
  CHECK(ledger.held() == 0);
  CHECK(ledger.outstanding() == 600);
  // Nothing of a closed job is counted again.
  CHECK(ledger.settle(1, 0).empty());
  CHECK_FALSE(ledger.spend(1, 1));
  CHECK(ledger.ask(1, 10, 10).empty());
}

TEST_CASE("the budget bounds what all jobs hold, whatever they ask",
          "[unit][credit]") {
  credit_ledger ledger{10'000, 100};
  for (uint64_t job = 1; job <= 20; ++job)
    ledger.open(job);
  uint64_t index = 0;
  for (int round = 0; round < 200; ++round) {
    auto job = static_cast<uint64_t>(round % 20 + 1);
    ledger.ask(job, 100 + static_cast<uint64_t>(round % 7) * 300, 9000);
    auto granted = ledger.granted(job);
    // Spend what there is on held tasks, settle some of the oldest.
    while (ledger.spend(job, 100))
      ledger.hold(job, index++, 100);
    if (round % 3 == 0 && index > 5)
      ledger.settle(job, index - 5);
    CHECK(ledger.outstanding() <= ledger.budget());
    CHECK(ledger.held() <= ledger.outstanding());
    CHECK(ledger.granted(job) >= granted);
  }
  // An ask larger than the whole budget is never granted.
  CHECK(ledger.ask(1, 10'001, 10'001).empty());
}

TEST_CASE("returned charge is granted as room appears, a quantum at a time",
          "[unit][credit]") {
  // A quantum is budget / 64 = 100: two tasks' charge.
  credit_ledger ledger{6400, 10};
  ledger.open(1);
  CHECK(granted_to(ledger.ask(1, 0, 6400), 1) == 6400);
  for (uint64_t index = 0; index < 128; ++index) {
    REQUIRE(ledger.spend(1, 50));
    ledger.hold(1, index, 50);
  }
  // All of it is held: the ask waits, whatever it wants.
  CHECK(ledger.ask(1, 0, 6400).empty());
  // One task's row returns less than a quantum: no grant yet...
  CHECK(ledger.settle(1, 0).empty());
  // ... a second makes a quantum, granted without waiting for the rest.
  auto grants = ledger.settle(1, 1);
  CHECK(granted_to(grants, 1) == 6500);
  CHECK(ledger.outstanding() == ledger.budget());
  // A need larger than the room waits, even with a quantum free.
  for (uint64_t index = 2; index < 6; ++index)
    ledger.settle(1, index); // 200 free
  CHECK(ledger.ask(1, 350, 6400).empty()); // 100 unspent + 200 free
  CHECK(granted_to(ledger.settle(1, 6), 1) == 6750);
}
