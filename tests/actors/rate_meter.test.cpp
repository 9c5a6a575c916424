// rate_meter: a worker's recent rate, as the shell and the status page
// show it, on a clock the test moves.
#include <catch2/catch.hpp>

#include <chrono>

#include "actors/rate_meter.hpp"

using namespace std::chrono_literals;
using fovea::rate_meter;

TEST_CASE("a rate meter shows results at once, their steady rate after "
          "its window and 0 once they stop",
          "[unit][status]") {
  rate_meter meter;
  auto t = rate_meter::clock::now();
  CHECK(meter.per_second(t) == 0);
  // 1,000 a second, in batches every 100 ms.
  for (int i = 1; i <= 10; ++i)
    meter.add(100, t + i * 100ms);
  CHECK(meter.per_second(t + 1s) == Approx(1000.0 / 5)); // a second of five
  for (int i = 11; i <= 60; ++i)
    meter.add(100, t + i * 100ms);
  CHECK(meter.per_second(t + 6s) == Approx(1000).epsilon(0.06));
  // Then nothing: it falls, and is 0 five seconds after the last.
  CHECK(meter.per_second(t + 8s) < 700);
  CHECK(meter.per_second(t + 11s + 300ms) == 0);
  // A long gap, then work again: only the new work counts.
  meter.add(500, t + 100s);
  CHECK(meter.per_second(t + 100s + 100ms) == Approx(100));
}
