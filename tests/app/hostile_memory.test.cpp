// What clients can make a coordinator hold, measured on a real one: its
// peak resident memory (VmHWM) against what it had before, while clients
// send large images it cannot use and raw peers send large messages past
// their credit.
#include <catch2/catch.hpp>

#include <fstream>

#include "messages/type_ids.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_peer.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t mib = 1 << 20;

// A file of `bytes` named like a PNG: the client reads and sends it, and no
// worker ever decodes it (no worker serves the model it is sent for).
void write_blob(const fs::path& path, size_t bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream{path, std::ios::binary} << std::string(bytes, 'x');
}


} // namespace

TEST_CASE("large images for a model no worker serves, under a 16 MiB byte "
          "budget, leave the coordinator within 48 MB of where it was",
          "[integration][memory][hostile]") {
  if (test::sanitized_build()) {
    test::skip_test("AddressSanitizer's quarantine and shadow memory, not "
                    "fovea's, would be measured");
    return;
  }
  auto dir = test::fresh_dir("hostile-memory-images");
  // Four clients, each with two 27 MB images (past the whole budget: error
  // rows at the client, never sent) and two of 6 MB (sent within credit).
  for (int c = 0; c < 4; ++c) {
    auto folder = dir / ("client" + std::to_string(c));
    write_blob(folder / "huge-1.png", 27'000'000);
    write_blob(folder / "huge-2.png", 27'000'000);
    write_blob(folder / "large-1.png", 6'000'000);
    write_blob(folder / "large-2.png", 6'000'000);
  }
  test::local_cluster cluster{1,
                              {"--fovea.max-queued-bytes=16777216",
                               "--fovea.model-wait=5s"}};
  auto pid = cluster.coordinator->pid();
  auto baseline = test::current_rss(pid);
  REQUIRE(baseline > 0);
  std::vector<std::unique_ptr<test::child_process>> clients;
  for (int c = 0; c < 4; ++c)
    clients.push_back(std::make_unique<test::child_process>(
      std::vector<std::string>{
        "submit", "--coordinator", cluster.address, "--model", "nosuch",
        (dir / ("client" + std::to_string(c))).string(), "--out",
        (dir / ("out" + std::to_string(c) + ".csv")).string()}));
  // Each job fails once no worker served its model for model-wait.
  for (auto& client : clients) {
    INFO(client->output());
    CHECK(client->wait_for_exit(120s) != 0);
    CHECK_THAT(client->output(), Catch::Contains("nosuch"));
  }
  auto peak = test::peak_rss(pid);
  INFO("baseline " << baseline / mib << " MiB, peak " << peak / mib << " MiB");
  CHECK(peak <= baseline + 48'000'000);
  cluster.stop();
}

TEST_CASE("raw peers sending large messages past their credit leave the "
          "coordinator within its budget, in-flight bytes and 32 MiB",
          "[integration][memory][hostile]") {
  if (test::sanitized_build()) {
    test::skip_test("AddressSanitizer's quarantine and shadow memory, not "
                    "fovea's, would be measured");
    return;
  }
  test::actor_fixture fixture;
  auto& sys = fixture.sys;
  test::local_cluster cluster{0, {"--fovea.max-queued-bytes=16777216"}};
  auto pid = cluster.coordinator->pid();
  auto baseline = test::current_rss(pid);
  // Each peer opens a job, then sends one 60 MB batch without credit.
  for (uint32_t i = 0; i < 6; ++i) {
    test::basp_peer peer{sys, "127.0.0.1", test::port_of(cluster.address), nullptr};
    REQUIRE(peer.ready());
    REQUIRE(peer.hello(test::some_other_node(3000 + i)));
    job_spec spec;
    spec.name = "greedy-" + std::to_string(i);
    spec.total = 1;
    auto opened = peer.ask(caf::make_message(submit_atom::value, spec));
    REQUIRE(opened);
    REQUIRE(opened->match_elements<uint64_t>());
    std::vector<image_task> tasks(1);
    tasks[0].job = opened->get_as<uint64_t>(0);
    tasks[0].path = "greedy.png";
    tasks[0].bytes.assign(60'000'000, 'x');
    auto refused = peer.ask(caf::make_message(enqueue_atom::value,
                                              tasks[0].job, tasks),
                            7, 60s);
    // Refused, or cut off before the answer could come.
    CHECK_FALSE((refused && refused->match_elements<uint64_t>()));
    CHECK(peer.closed_within(30s));
  }
  CHECK(cluster.coordinator->wait_for_line("past its credit", 10s));
  auto peak = test::peak_rss(pid);
  INFO("baseline " << baseline / mib << " MiB, peak " << peak / mib << " MiB");
  CHECK(peak <= baseline + 16 * mib + 160 * mib + 32 * mib);
  cluster.stop();
}
