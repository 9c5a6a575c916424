// Running a named job again: never the last run's labels for new files.
// A finished job's journal is retired once its client commits; an
// unfinished one resumes only with the same files and model.
#include <catch2/catch.hpp>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <map>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {


// path -> (label, score) as the results file says.
std::map<std::string, std::pair<int, double>>
answers(const std::filesystem::path& out) {
  std::map<std::string, std::pair<int, double>> by_path;
  for (auto& row : test::read_results(out).rows)
    by_path[row.path] = {row.label, row.score};
  return by_path;
}

// Labels equal and scores within float noise: a batch of another size can
// move a score in its last digits.
bool same_answers(const std::filesystem::path& a,
                  const std::filesystem::path& b) {
  auto x = answers(a);
  auto y = answers(b);
  if (x.size() != y.size())
    return false;
  for (auto& [path, answer] : x) {
    auto other = y.find(path);
    if (other == y.end() || other->second.first != answer.first
        || std::abs(other->second.second - answer.second) > 1e-4)
      return false;
  }
  return true;
}

} // namespace

TEST_CASE("a finished named job run again after its files changed labels "
          "the new files, never serving the last run's results",
          "[integration][journal]") {
  auto dir = test::fresh_dir("rerun-changed");
  auto paths = test::write_pattern_pngs(dir / "imgs", 50);
  test::local_cluster cluster{
      2, {"--fovea.journal-dir=" + (dir / "journal").string()}};
  auto [first, first_output] = test::run_fovea(
      test::submit_args(cluster.address, dir / "imgs", dir / "first.csv", "nightly"));
  INFO(first_output);
  REQUIRE(first == 0);
  REQUIRE(cluster.coordinator->wait_for_line("journal retired", 10s));
  // Different images under the same file names.
  for (size_t i = 0; i < paths.size(); ++i)
    test::write_file(paths[i], test::pattern_png(static_cast<int>(i) + 1000));
  auto [second, second_output] = test::run_fovea(
      test::submit_args(cluster.address, dir / "imgs", dir / "second.csv", "nightly"));
  INFO(second_output);
  REQUIRE(second == 0);
  // What the new files really get, from a job of another name.
  auto [fresh, fresh_output] = test::run_fovea(
      test::submit_args(cluster.address, dir / "imgs", dir / "fresh.csv", "reference"));
  REQUIRE(fresh == 0);
  test::check_results(dir / "second.csv", paths);
  CHECK(same_answers(dir / "second.csv", dir / "fresh.csv"));
  CHECK_FALSE(same_answers(dir / "second.csv", dir / "first.csv"));
  CHECK_THAT(cluster.coordinator->output(),
             !Catch::Contains("results from its journal"));
  cluster.stop();
}

TEST_CASE("an unfinished named job resubmitted after one of its files "
          "changed or with another --top-k is refused with exit 2 saying so",
          "[integration][journal]") {
  auto dir = test::fresh_dir("rerun-unfinished");
  auto paths = test::write_pattern_pngs(dir / "imgs", 2000);
  test::local_cluster cluster{
      1, {"--fovea.journal-dir=" + (dir / "journal").string()}};
  auto args = test::submit_args(cluster.address, dir / "imgs", dir / "out.csv", "weekly");
  {
    // A client that dies once its job is open leaves it unfinished.
    test::child_process client{args};
    REQUIRE(cluster.coordinator->wait_for_line("(weekly) opened", 30s));
    client.signal(SIGKILL);
    client.wait_for_exit(10s);
  }
  REQUIRE(cluster.coordinator->wait_for_line("paused", 30s));
  // Same path, same size, a new modification time.
  auto when = std::filesystem::last_write_time(paths[7]);
  std::filesystem::last_write_time(paths[7], when + 1s);
  auto [code, output] = test::run_fovea(args);
  INFO(output);
  CHECK(code == 2);
  CHECK_THAT(output, Catch::Contains("submit refused") &&
                         Catch::Contains("its files changed since"));
  // Put back as it was, it resumes, but only as it began: without ranks.
  std::filesystem::last_write_time(paths[7], when);
  auto ranked = args;
  ranked.insert(ranked.end(), {"--top-k", "3"});
  auto [ranked_code, ranked_output] = test::run_fovea(ranked);
  INFO(ranked_output);
  CHECK(ranked_code == 2);
  CHECK_THAT(ranked_output,
             Catch::Contains("it ranked no classes (no --top-k)"));
  auto resumed = test::run_fovea(args);
  INFO(resumed.second);
  CHECK(resumed.first == 0);
  test::check_results(dir / "out.csv", paths);
  cluster.stop();
}
