// The scheduler with real processes: a poison input takes only itself down,
// jobs share the workers, and large images do not grow the coordinator.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/hostile_images.hpp"
#include "tests/support/images.hpp"
#include "tests/support/memory_cgroup.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
using namespace std::chrono_literals;

TEST_CASE("a poison image that gets its worker killed, next to innocent "
          "ones with the default slots, is the only poison row",
          "[integration][scheduling]") {
  if (test::sanitized_build()) {
    test::skip_test("a memory limit calibrated for fovea kills a sanitized "
                    "worker on any image");
    return;
  }
  auto dir = test::fresh_dir("poison-oom");
  auto paths = test::write_pattern_pngs(dir / "images", 300);
  // 268 MB of pixels in 290 KB: each worker's memory limit (as systemd's
  // MemoryMax= would set) has the kernel kill it while decoding this.
  auto poison = (dir / "images" / "poison.png").string();
  test::write_file(poison, test::grey_png(16384, 16384));
  std::vector<std::unique_ptr<test::memory_cgroup>> limits;
  auto limit = [&](test::child_process& worker) {
    auto& group = limits.emplace_back(std::make_unique<test::memory_cgroup>(
        "w" + std::to_string(limits.size()), 200u << 20));
    return group->usable() && group->add(worker.pid());
  };
  test::local_cluster cluster{2, {}, {"--fovea.max-pixels=300000000"}};
  for (auto& w : cluster.workers)
    if (!limit(*w)) {
      test::skip_test("no cgroup memory controller to limit a worker with");
      return;
    }
  test::child_process client{
      test::submit_args(cluster.address, dir / "images", dir / "out.csv")};
  // Once in a batch with others, then alone on max-attempts (3) workers:
  // each loss is replaced, as a service manager restarts a node.
  for (int lost = 0; lost < 4; ++lost) {
    REQUIRE(cluster.coordinator->wait_for_line(" lost (", 120s));
    REQUIRE(limit(cluster.add_worker({"--fovea.max-pixels=300000000"})));
  }
  auto code = client.wait_for_exit(120s);
  INFO(client.output() << cluster.coordinator->output());
  REQUIRE(code == 0);
  std::erase_if(cluster.workers, [](auto& w) { return !w->running(); });
  CHECK(cluster.workers.size() == 2); // four were killed, no more
  auto results = test::read_results(dir / "out.csv");
  REQUIRE(results.rows.size() == paths.size() + 1);
  for (auto& row : results.rows) {
    INFO(row.path);
    if (row.path == poison)
      CHECK_THAT(row.error, Catch::StartsWith("poison: failed on all 3 "
                                              "attempts alone on a worker"));
    else
      CHECK(row.error == "");
  }
  cluster.stop();
}

TEST_CASE("a small job submitted during a large one gets its turn at once: "
          "the large one records at most a few batches meanwhile",
          "[integration][scheduling]") {
  auto dir = test::fresh_dir("fair-share");
  constexpr size_t large_size = 16000;
  test::write_pattern_pngs(dir / "small", 50);
  test::write_pattern_pngs(dir / "large", large_size);
  test::local_cluster cluster{2};
  test::child_process large{
    test::submit_args(cluster.address, dir / "large", dir / "large.csv", "large")};
  REQUIRE(cluster.coordinator->wait_for_line("(large) opened", 30s));
  test::child_process small{
    test::submit_args(cluster.address, dir / "small", dir / "small.csv", "small")};
  // Counted in the large job's results as its client wrote them, at the
  // coordinator's own events: the small job opening and finishing.
  auto large_rows = [&] {
    // Renamed to large.csv once every row is in.
    auto partial = dir / "large.csv.partial";
    auto lines = test::count_lines(std::filesystem::exists(partial)
                                     ? partial
                                     : dir / "large.csv");
    return lines > 0 ? lines - 1 : 0; // less its header
  };
  REQUIRE(cluster.coordinator->wait_for_line("(small) opened", 60s));
  auto before = large_rows();
  REQUIRE(cluster.coordinator->wait_for_line("(small) finished", 60s));
  auto after = large_rows();
  CHECK(small.wait_for_exit(60s) == 0);
  INFO("the large job had " << before << " rows when the small one opened, "
                            << after << " when it finished");
  // First come, first served would finish the small job after every task
  // queued before it: the rest of the large job, 15,810 rows when the
  // scheduler was made so. Shared batch by batch, it waits for the batches
  // already at the workers (2 workers x 4 slots x 64) and its client's own
  // reading and sending: 950-1,300 rows here.
  REQUIRE(before + 8000 < large_size); // the large job was far from done
  REQUIRE(after >= before);
  CHECK(after - before < 4000);
  CHECK(large.wait_for_exit(300s) == 0);
  cluster.stop();
}

TEST_CASE("with 300 images of 3 MB and a 64 MB byte limit, the coordinator "
          "stays small",
          "[integration][scheduling][memory]") {
  if (test::sanitized_build()) {
    test::skip_test("peak RSS under AddressSanitizer is its quarantine's");
    return;
  }
  auto dir = test::fresh_dir("large-images");
  std::mt19937 random{7};
  std::vector<uint8_t> noise(1024 * 1024 * 3);
  for (auto& p : noise)
    p = static_cast<uint8_t>(random());
  auto png = test::encode(noise, 1024, 1024, 3);
  REQUIRE(png.size() > (3u << 20));
  std::vector<std::string> paths;
  std::filesystem::create_directories(dir / "images");
  for (int i = 0; i < 300; ++i) {
    paths.push_back((dir / "images" / (std::to_string(i) + ".png")).string());
    test::write_file(paths.back(), png);
  }
  test::local_cluster cluster{2, {"--fovea.max-queued-bytes=67108864"}};
  auto [code, output] = test::run_fovea(
      test::submit_args(cluster.address, dir / "images", dir / "out.csv"), 300s);
  INFO(output);
  REQUIRE(code == 0);
  test::check_results(dir / "out.csv", paths);
  auto peak = test::peak_rss(cluster.coordinator->pid());
  INFO("coordinator peak RSS " << peak / 1e6 << " MB");
  CHECK(peak < (200u << 20));
  cluster.stop();
}
