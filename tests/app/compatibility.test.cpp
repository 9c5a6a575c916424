// What a release must keep working from the one before it: a journal it
// left behind resumes. tests/fixtures/journal-v4/ holds a paused job's
// journal (format 4, at JOURNAL-DIR/NAME.journal as a cluster without
// certificates keeps it) and the images it was made for. The journal
// format, its records and the prediction they hold are unchanged since
// release d7f5a72 (git diff d7f5a72 -- jobs/job_journal.* jobs/
// journal_reader.* messages/prediction.hpp is empty), so this fixture,
// written by `fovea_tests "[.make-fixture]"`, is what that release writes.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/journal.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Relative to the source tree, where ctest runs the tests: the journal
// fingerprints the input paths as given.
const std::string fixture_dir = "tests/fixtures/journal-v4";
const std::string images = fixture_dir + "/images";
constexpr int image_count = 60;
const std::string job_name = "kept";

// Git checks files out with the time of the checkout; the journal also
// fingerprints sizes and modification times, so both runs set them.
std::vector<std::string> fixture_images() {
  std::vector<std::string> paths;
  for (auto& entry : fs::directory_iterator{images})
    paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  for (auto& path : paths) {
    timespec times[2] = {{1700000000, 0}, {1700000000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  }
  return paths;
}

std::vector<std::string> submit_args(const std::string& address,
                                     const std::string& out) {
  return {"submit", "--coordinator", address, images, "--out", out,
          "--job", job_name};
}

} // namespace

TEST_CASE("a journal the previous release left resumes with this one: its "
          "rows come back and only the rest is computed",
          "[integration][compatibility]") {
  auto paths = fixture_images();
  REQUIRE(paths.size() == image_count);
  auto fixture = test::read_whole_journal(fixture_dir + "/" + job_name
                                          + ".journal");
  REQUIRE(fixture);
  auto kept = fixture->rows.size();
  REQUIRE(kept > 0);
  REQUIRE(kept < image_count);
  auto dir = test::fresh_dir("journal-v4");
  fs::create_directories(dir / "journal");
  fs::copy_file(fixture_dir + "/" + job_name + ".journal",
                dir / "journal" / (job_name + ".journal"));
  test::local_cluster cluster{
    1, {"--fovea.journal-dir=" + (dir / "journal").string()}};
  auto out = (dir / "results.csv").string();
  auto [code, output] = test::run_fovea(submit_args(cluster.address, out));
  INFO(output);
  REQUIRE(code == 0);
  auto opened = cluster.coordinator->wait_for_line("results from its journal",
                                                   10s);
  REQUIRE(opened);
  CHECK(opened->find(" " + std::to_string(kept) + " results from its journal")
        != std::string::npos);
  test::check_results(out, paths);
  cluster.stop();
}

TEST_CASE("make the journal fixture of tests/app/compatibility.test.cpp",
          "[.make-fixture]") {
  fs::remove_all(images);
  auto written = test::write_pattern_pngs(images, image_count);
  auto paths = fixture_images();
  auto dir = test::fresh_dir("make-journal-v4");
  // Small batches, one at a time: the client is killed part-way.
  test::local_cluster cluster{
    1,
    {"--fovea.journal-dir=" + (dir / "journal").string(),
     "--fovea.batch-size=4"},
    {"--fovea.slots=1"}};
  auto out = (dir / "results.csv").string();
  {
    test::child_process submit{submit_args(cluster.address, out)};
    REQUIRE(test::wait_for_file(
      out + ".partial", [&] { return test::rows_written(out) >= 12; }, 60s));
    submit.signal(SIGKILL);
    submit.wait_for_exit(10s);
  }
  REQUIRE(cluster.coordinator->wait_for_line("paused", 30s));
  cluster.stop();
  fs::copy_file(dir / "journal" / (job_name + ".journal"),
                fixture_dir + "/" + job_name + ".journal",
                fs::copy_options::overwrite_existing);
  auto made = test::read_whole_journal(fixture_dir + "/" + job_name
                                       + ".journal");
  REQUIRE(made);
  CHECK(made->rows.size() >= 12);
  CHECK(made->rows.size() < image_count);
}
