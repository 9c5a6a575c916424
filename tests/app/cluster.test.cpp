// The vertical slice on real processes: a coordinator and two workers
// started from the shipped configs, talking CAF over loopback.
#include <catch2/catch.hpp>

#include <csignal>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;


TEST_CASE("a coordinator and two worker processes classify 200 images, "
          "each path once",
          "[integration]") {
  auto dir = test::fresh_dir("cluster");
  auto paths = test::write_pattern_pngs(dir / "images", 200);
  test::local_cluster cluster{2};
  auto out = dir / "results.csv";
  auto [code, output] = test::run_fovea(
    {"submit", "--coordinator", cluster.address, (dir / "images").string(),
     "--out", out.string()});
  INFO(output);
  REQUIRE(code == 0);
  CHECK(output.find("fovea: 200 images, 0 errors") != std::string::npos);
  auto by_worker = test::check_results(out, paths);
  CHECK(by_worker.size() == 2);
  CHECK(by_worker["w1"] > 0);
  CHECK(by_worker["w2"] > 0);
  // Every node stops cleanly on SIGTERM.
  cluster.stop();
}

TEST_CASE("fovea classify answers every input once with local workers",
          "[integration]") {
  auto dir = test::fresh_dir("embedded");
  auto paths = test::write_pattern_pngs(dir / "images", 100);
  auto out = dir / "results.csv";
  auto [code, output] = test::run_fovea(
    {"classify", (dir / "images").string(), "--workers", "2", "--out",
     out.string()});
  INFO(output);
  REQUIRE(code == 0);
  auto by_worker = test::check_results(out, paths);
  CHECK(by_worker.size() == 2);
}

TEST_CASE("fovea submit to an address where no coordinator listens fails "
          "with a clear message",
          "[integration]") {
  auto dir = test::fresh_dir("no-coordinator");
  test::write_pattern_pngs(dir / "images", 1);
  // Port 1 on loopback: nothing of ours listens there.
  auto [code, output] = test::run_fovea(
    {"submit", "--coordinator", "127.0.0.1:1", (dir / "images").string(),
     "--out", (dir / "results.csv").string()},
    60s);
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("no coordinator: 127.0.0.1:1") != std::string::npos);
}

TEST_CASE("a coordinator stopped while its workers are connected and "
          "joining again exits 0",
          "[integration]") {
  // Its edge outlives its actor system: once that stops, the edge must
  // hand it no more connections (it did, and the process hung on exit).
  test::local_cluster cluster{2};
  CHECK(cluster.coordinator->stop(SIGTERM, 30s) == 0);
  for (auto& worker : cluster.workers)
    CHECK(worker->wait_for_line("joining again", 30s));
  for (auto& worker : cluster.workers)
    CHECK(worker->stop(SIGTERM, 30s) == 0);
}
