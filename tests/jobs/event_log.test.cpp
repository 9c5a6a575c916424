// The coordinator's log of recent events: bounded, numbered, read from
// where a reader left off.
#include <catch2/catch.hpp>

#include "jobs/event_log.hpp"

using namespace fovea;

TEST_CASE("the event log keeps the newest events, numbered one by one, and "
          "answers those after a number",
          "[unit][status]") {
  event_log log{3};
  CHECK(log.last() == 0);
  CHECK(log.after(0).empty());
  for (int i = 1; i <= 5; ++i)
    CHECK(log.add(event_kind::worker_joined, "w" + std::to_string(i), i)
          == static_cast<uint64_t>(i));
  CHECK(log.last() == 5);
  // Only the newest three are held: a reader that saw 1 can tell it
  // missed 2 (the first it gets is 3).
  auto all = log.after(0);
  REQUIRE(all.size() == 3);
  CHECK(all[0].seq == 3);
  CHECK(all[0].text == "w3");
  CHECK(all[2].seq == 5);
  CHECK(log.after(1).front().seq == 3);
  auto rest = log.after(3);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].seq == 4);
  CHECK(rest[0].at_ms == 4);
  CHECK(log.after(5).empty());
  CHECK(log.after(99).empty());
}

TEST_CASE("an event's text is cut to the log's bound", "[unit][status]") {
  event_log log;
  log.add(event_kind::poison, std::string(100'000, 'x'), 0);
  CHECK(log.after(0).front().text.size() == event_log::max_text);
}
