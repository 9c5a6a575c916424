// How the shell shows the cluster to a person: aligned columns, addresses,
// times they can read.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include "actors/shell_format.hpp"

using namespace fovea;

namespace {

// The tests read local times: pin the zone so they read the same anywhere.
struct utc_zone {
  utc_zone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

constexpr int64_t noon = 1795608000; // 2026-11-25 12:00:00 UTC

node_row worker_row(std::string id, std::string address) {
  node_row row;
  row.id = std::move(id);
  row.role = node_role::worker;
  row.host = "rack-4";
  row.address = std::move(address);
  row.model = "fashion-mnist@1";
  row.slots = 64;
  row.credit = 9;
  row.in_flight = 2;
  row.done = 12345;
  row.rate = 1170.04;
  row.up_since = noon - 95;
  return row;
}

} // namespace

TEST_CASE_METHOD(utc_zone, "up since is a local time and how long ago",
                 "[unit][shell]") {
  CHECK(format_since(noon - 95, noon) == "11:58:25 (1m35s)");
  CHECK(format_since(noon - 86400 - 3600, noon)
        == "2026-11-24 11:00 (1d1h)");
  CHECK(format_since(noon + 5, noon) == "12:00:05 (0s)"); // clocks differ
}

TEST_CASE_METHOD(utc_zone,
                 "the nodes table shows where each node is reached, aligned",
                 "[unit][shell]") {
  node_row coordinator;
  coordinator.id = "coord";
  coordinator.role = node_role::coordinator;
  coordinator.host = "rack-1";
  coordinator.address = "10.0.0.5:4242";
  coordinator.done = 24690;
  coordinator.up_since = noon - 3600;
  auto in_process = worker_row("local-1", "");
  in_process.draining = true;
  auto table = format_nodes(
    {coordinator, worker_row("w1", "10.0.0.7:53211"), in_process}, noon);
  CHECK(table
        == "id       role               host:port       model            "
           "credit  slots  in flight  done   images/s  up since\n"
           "coord    coordinator        10.0.0.5:4242   -                "
           "-       -      -          24690       0.0  11:00:00 (1h0m)\n"
           "w1       worker             10.0.0.7:53211  fashion-mnist@1  "
           "     9     64          2  12345    1170.0  11:58:25 (1m35s)\n"
           "local-1  worker (draining)  rack-4          fashion-mnist@1  "
           "     9     64          2  12345    1170.0  11:58:25 (1m35s)\n");
}

TEST_CASE("jobs shows each running job's share of the workers",
          "[unit]") {
  job_row big;
  big.id = 1;
  big.name = "big";
  big.total = 10000;
  big.done = 400;
  big.share = 0.5;
  auto small = big;
  small.id = 2;
  small.name = "small";
  auto ended = big;
  ended.id = 3;
  ended.name = "old";
  ended.state = job_state::finished;
  auto table = format_jobs({big, small, ended});
  CHECK_THAT(table, Catch::Contains("share"));
  CHECK_THAT(table, Catch::Contains("running") && Catch::Contains("50%"));
  CHECK_THAT(table, Catch::Contains("finished"));
}

TEST_CASE("jobs and status name the model a job runs on, or why it waits",
          "[unit]") {
  job_row bound;
  bound.id = 1;
  bound.name = "nightly";
  bound.total = 10;
  bound.model = "fashion-mnist@2";
  auto waiting = bound;
  waiting.id = 2;
  waiting.model.clear();
  waiting.note = "no worker serves shoes@7 now";
  auto table = format_jobs({bound, waiting});
  CHECK_THAT(table, Catch::Contains("model") && Catch::Contains("fashion-mnist@2"));
  CHECK_THAT(format_status(bound),
             Catch::StartsWith("job 1 (nightly) running on fashion-mnist@2: "));
  CHECK_THAT(format_status(waiting),
             Catch::EndsWith("; waits: no worker serves shoes@7 now"));
}

TEST_CASE("models sums each model's workers, its online rate, and counts the "
          "jobs on it",
          "[unit]") {
  node_row coordinator;
  coordinator.role = node_role::coordinator;
  node_row w1;
  w1.id = "w1";
  w1.model = "fashion-mnist@1";
  w1.slots = 4;
  w1.in_flight = 2;
  w1.rate = 1000;
  auto w2 = w1;
  w2.id = "w2";
  w2.draining = true;
  auto w3 = w1;
  w3.id = "w3";
  w3.model = "fashion-mnist@2";
  w3.rate = 500;
  w3.online_rate = 120.5; // of its 500
  job_row on_two;
  on_two.model = "fashion-mnist@2";
  auto ended = on_two;
  ended.state = job_state::finished;
  job_row waiting; // no model chosen yet: not counted anywhere
  auto table = format_models({coordinator, w1, w2, w3}, {on_two, ended, waiting});
  INFO(table);
  CHECK(table.find("model            workers  draining  slots  in flight  "
                   "images/s  online/s  jobs")
        == 0);
  CHECK(table.find("fashion-mnist@1        2         1      8          4    "
                   "2000.0       0.0     0")
        != std::string::npos);
  CHECK(table.find("fashion-mnist@2        1         0      4          2     "
                   "500.0     120.5     1")
        != std::string::npos);
}
