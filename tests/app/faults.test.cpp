// Nothing lost, on real processes: a worker killed or frozen mid-job, the
// coordinator killed and restarted, the client killed and run again. After
// each, every input has exactly one row.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <random>

#include "jobs/job_journal.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/file_size_limit.hpp"
#include "tests/support/hostile_images.hpp"
#include "tests/support/images.hpp"
#include "tests/support/journal.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

constexpr int job_size = 3000;

// A point in the job, from 10% to 60% of its rows, that differs by seed.
size_t random_point(unsigned seed) {
  std::mt19937 rng{seed};
  return std::uniform_int_distribution<size_t>{job_size / 10,
                                               job_size * 6 / 10}(rng);
}

// Waits until the running submit has written `rows`; REQUIREs that it is
// still mid-job then, so the fault that follows hits a job in progress.
void wait_for_rows(test::child_process& submit, const std::string& out,
                   size_t rows) {
  REQUIRE(test::wait_for_file(
    out + ".partial",
    [&] { return test::rows_written(out) >= rows || !submit.running(); }, 60s));
  INFO(submit.output());
  REQUIRE(submit.running());
}

std::vector<std::string> submit_args(const std::string& address,
                                     const std::string& images,
                                     const std::string& out,
                                     const std::string& job = {}) {
  std::vector<std::string> args{"submit", "--coordinator", address, images,
                                "--out", out};
  if (!job.empty()) {
    args.push_back("--job");
    args.push_back(job);
  }
  return args;
}

// A job's files: a fresh folder of `count` pattern images, and the results
// file they go to.
struct job_files {
  std::filesystem::path dir;
  std::vector<std::string> paths;
  std::string images;
  std::string out;

  job_files(const std::string& name, int count)
    : dir(test::fresh_dir(name)),
      paths(test::write_pattern_pngs(dir / "images", count)),
      images((dir / "images").string()),
      out((dir / "results.csv").string()) {}

  /// `fovea submit` of the images to `address` (as job `name`, if given).
  std::vector<std::string> submit_to(const std::string& address,
                                     const std::string& name = {}) const {
    return submit_args(address, images, out, name);
  }

  /// REQUIREs that `submit` ends well and CHECKs that every input has one
  /// row; returns how many each worker produced.
  std::map<std::string, int> finished(test::child_process& submit) const {
    auto code = submit.wait_for_exit(std::chrono::seconds(120));
    INFO(submit.output());
    REQUIRE(code == 0);
    return test::check_results(out, paths);
  }
};

// "job 1 (name) opened: 3000 inputs, 1234 already in its journal" -> 1234
size_t journaled_count(const std::string& line) {
  auto end = line.find(" results from its journal");
  REQUIRE(end != std::string::npos);
  auto start = line.rfind(' ', end - 1);
  return std::stoul(line.substr(start + 1, end - start - 1));
}

} // namespace

TEST_CASE("a worker killed with -9 at a random point loses no input and "
          "duplicates none",
          "[integration][faults]") {
  auto seed = GENERATE(1u, 2u, 3u);
  job_files job{"kill-worker-" + std::to_string(seed), job_size};
  test::local_cluster cluster{2};
  test::child_process submit{job.submit_to(cluster.address)};
  wait_for_rows(submit, job.out, random_point(seed));
  cluster.workers[0]->signal(SIGKILL);
  REQUIRE(cluster.coordinator->wait_for_line("worker w1 lost", 30s));
  auto by_worker = job.finished(submit);
  CHECK(by_worker["w2"] > 0);
  cluster.workers.erase(cluster.workers.begin()); // already dead
  cluster.stop();
}

TEST_CASE("a worker that joins mid-job gets work at once, and the job "
          "finishes with every row once",
          "[integration][faults]") {
  // The first worker is frozen while the second starts, so nearly all of
  // the job is undone when the second registers, however long a start
  // takes here (seconds under the sanitizers, where a warm worker could
  // finish the job first); it thaws once the second is in.
  job_files job{"join-worker", job_size};
  test::local_cluster cluster{1};
  test::child_process submit{job.submit_to(cluster.address)};
  wait_for_rows(submit, job.out, job_size / 20);
  cluster.workers[0]->signal(SIGSTOP);
  cluster.add_worker();
  REQUIRE(cluster.coordinator->wait_for_line("worker w2 registered", 30s));
  cluster.workers[0]->signal(SIGCONT);
  auto by_worker = job.finished(submit);
  CHECK(by_worker["w1"] > 0);
  CHECK(by_worker["w2"] > 0);
  cluster.stop();
}

TEST_CASE("a frozen worker is given up on by heartbeat, its work redone "
          "elsewhere, and it rejoins when it thaws",
          "[integration][faults]") {
  job_files job{"freeze-worker", job_size};
  test::local_cluster cluster{2};
  test::child_process submit{job.submit_to(cluster.address)};
  wait_for_rows(submit, job.out, random_point(4));
  cluster.workers[0]->signal(SIGSTOP);
  // The shipped configs time a silent connection out after 5 s.
  REQUIRE(cluster.coordinator->wait_for_line("worker w1 lost", 30s));
  job.finished(submit);
  cluster.workers[0]->signal(SIGCONT);
  INFO(cluster.workers[0]->output());
  CHECK(cluster.coordinator->wait_for_line("worker w1 registered", 30s));
  cluster.stop();
}

TEST_CASE("a frozen worker with an overdue batch is let go after the hang "
          "timeout, before heartbeats notice, and its connection is closed",
          "[integration][faults]") {
  job_files job{"hung-worker", job_size};
  // Heartbeats would drop the frozen worker after 5 s; the hang timeout
  // comes first. Not shorter: the worker left doing all the work must not
  // look hung itself when a loaded machine (the sanitizer run, two tests
  // at once) stalls it for a second, as it did with 300 ms and 1 s.
  test::local_cluster cluster{
    2, {"--fovea.task-timeout=1s", "--fovea.hang-timeout=3s"}};
  test::child_process submit{job.submit_to(cluster.address)};
  wait_for_rows(submit, job.out, random_point(7));
  cluster.workers[0]->signal(SIGSTOP);
  auto lost = cluster.coordinator->wait_for_line("worker w1 lost", 30s);
  REQUIRE(lost);
  CHECK_THAT(*lost, Catch::Contains("hung: no answer for 3000 ms with a "
                                    "batch overdue (fovea.hang-timeout)"));
  CHECK(cluster.coordinator->wait_for_line("its worker hung", 10s));
  job.finished(submit);
  cluster.workers[0]->signal(SIGCONT);
  cluster.stop();
}

TEST_CASE("a coordinator killed with -9 mid-job is restarted, its workers "
          "come back by themselves, and the job resumes from the journal",
          "[integration][faults]") {
  job_files job{"kill-coordinator", job_size};
  auto journal = (job.dir / "journal").string();
  // Workers keep trying for long enough even on a loaded sanitizer run.
  test::local_cluster cluster{2,
                              {"--fovea.journal-dir=" + journal},
                              {"--fovea.connect-timeout=120s"}};
  auto args = job.submit_to(cluster.address, "nightly");
  {
    test::child_process submit{args};
    wait_for_rows(submit, job.out, random_point(5));
    cluster.coordinator->signal(SIGKILL);
    auto code = submit.wait_for_exit(60s);
    INFO(submit.output());
    CHECK(code == 1);
    CHECK(submit.output().find("lost the coordinator") != std::string::npos);
  }
  auto kept = test::read_whole_journal(journal_path(journal, "nightly"));
  REQUIRE(kept);
  INFO("rows in the journal after the crash: " << kept->rows.size());
  CHECK(kept->rows.size() > 0);
  cluster.restart_coordinator();
  // The workers were never restarted: they join the new coordinator (in
  // either order: each line is looked at once).
  int joined = 0;
  while (joined < 2 && cluster.coordinator->wait_for_line(" registered from",
                                                          90s))
    ++joined;
  if (joined < 2) {
    for (auto& w : cluster.workers)
      w->running(); // take in what they printed, for the message
    FAIL("workers did not rejoin:\n" << cluster.workers[0]->output() << "\n"
                                      << cluster.workers[1]->output() << "\n"
                                      << cluster.coordinator->output());
  }
  auto [code, output] = test::run_fovea(args);
  INFO(output);
  REQUIRE(code == 0);
  auto opened = cluster.coordinator->wait_for_line("results from its journal", 10s);
  REQUIRE(opened);
  CHECK(journaled_count(*opened) >= kept->rows.size());
  test::check_results(job.out, job.paths);
  cluster.stop();
}

TEST_CASE("a client killed with -9 and run again gets every row once, the "
          "earlier ones from the journal, and other inputs under its name are "
          "refused until it is done, and then run afresh",
          "[integration][faults]") {
  job_files job{"kill-client", job_size};
  test::local_cluster cluster{
    2, {"--fovea.journal-dir=" + (job.dir / "j").string()}};
  auto args = job.submit_to(cluster.address, "catalogue");
  {
    test::child_process submit{args};
    wait_for_rows(submit, job.out, random_point(6));
    submit.signal(SIGKILL);
    CHECK(submit.wait_for_exit(10s) == 128 + SIGKILL);
  }
  REQUIRE(cluster.coordinator->wait_for_line("paused", 30s));
  // While it is unfinished, the same name with other inputs is refused,
  // naming the problem.
  auto other_args = submit_args(cluster.address, job.paths[0],
                                (job.dir / "other.csv").string(), "catalogue");
  auto other = test::run_fovea(other_args);
  CHECK(other.first == 2);
  CHECK_THAT(other.second, Catch::Contains("its input list changed"));
  auto [code, output] = test::run_fovea(args);
  INFO(output);
  REQUIRE(code == 0);
  auto opened = cluster.coordinator->wait_for_line("results from its journal",
                                                   10s);
  REQUIRE(opened);
  CHECK(journaled_count(*opened) > 0);
  test::check_results(job.out, job.paths);
  // Its client committed the results: the journal is retired, and the
  // same name now starts a new run.
  CHECK(cluster.coordinator->wait_for_line("committed by its client; journal "
                                           "retired",
                                           10s));
  other = test::run_fovea(other_args);
  INFO(other.second);
  CHECK(other.first == 0);
  test::check_results(job.dir / "other.csv", {job.paths[0]});
  cluster.stop();
}

TEST_CASE("a worker told to stop mid-job drains: it finishes what it holds, "
          "takes nothing new, and nothing is redone",
          "[integration][faults]") {
  job_files job{"drain-worker", job_size};
  test::local_cluster cluster{2};
  test::child_process submit{job.submit_to(cluster.address)};
  wait_for_rows(submit, job.out, random_point(7));
  auto& leaving = *cluster.workers[0];
  leaving.signal(SIGTERM);
  REQUIRE(cluster.coordinator->wait_for_line("worker w1 drained", 30s));
  CHECK(leaving.wait_for_exit(30s) == 0);
  CHECK(leaving.output().find("drained after") != std::string::npos);
  auto by_worker = job.finished(submit);
  CHECK(by_worker["w1"] > 0);
  CHECK(by_worker["w2"] > 0);
  // Left, not lost: no batch of its was dispatched twice. The coordinator
  // says "retried" for a batch of a lost worker and of a failed answer, and
  // "copied to another worker" for an overdue one.
  CHECK(cluster.coordinator->running()); // and take in what it printed
  auto log = cluster.coordinator->output();
  CHECK(log.find("lost") == std::string::npos);
  CHECK(log.find("retried") == std::string::npos);
  CHECK(log.find("copied to another worker") == std::string::npos);
  cluster.workers.erase(cluster.workers.begin());
  cluster.stop();
}

TEST_CASE("a full disk under the results file stops the job with the "
          "reason, leaving no file that looks complete",
          "[integration][faults]") {
  auto dir = test::fresh_dir("results-disk-full");
  test::write_pattern_pngs(dir / "images", 500);
  auto out = (dir / "results.csv").string();
  std::pair<int, std::string> run;
  {
    // Inherited by the child: its results file cannot pass 8 KB (EFBIG
    // stands in for ENOSPC); each image and the model are read, not written.
    test::file_size_limit full_disk{8192};
    REQUIRE(full_disk.applied());
    run = test::run_fovea({"classify", (dir / "images").string(), "--out", out,
                           "--workers", "1"});
  }
  INFO(run.second);
  CHECK(run.first == 1);
  CHECK(run.second.find("cannot write results: File too large")
        != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK(std::filesystem::file_size(out + ".partial") <= 8192);
}

TEST_CASE("an image slower than the task timeout on every worker, with "
          "the default slots, is copied to the other worker yet keeps its "
          "real label, with no poison, no waiting and no worker lost",
          "[integration][faults][slow]") {
  auto dir = test::fresh_dir("slow-image");
  auto paths = test::write_pattern_pngs(dir / "images", 300);
  // 268 million real pixels in 290 KB: seconds of decoding, against a
  // 300 ms task timeout, with four batches per worker queued behind it.
  auto slow = (dir / "images" / "slow.png").string();
  test::write_file(slow, test::grey_png(16384, 16384));
  paths.push_back(slow);
  test::local_cluster cluster{2,
                              {"--fovea.task-timeout=300ms"},
                              {"--fovea.max-pixels=300000000"}};
  std::vector<pid_t> pids;
  for (auto& w : cluster.workers)
    pids.push_back(w->pid());
  auto out = (dir / "results.csv").string();
  auto [code, output] = test::run_fovea(
    submit_args(cluster.address, (dir / "images").string(), out), 120s);
  INFO(output);
  REQUIRE(code == 0);
  test::check_results(out, paths); // every row once, the slow one labelled
  CHECK(cluster.coordinator->wait_for_line(
    "not answered within task-timeout; copied to another worker", 10s));
  for (size_t i = 0; i < cluster.workers.size(); ++i) {
    CHECK(cluster.workers[i]->running());
    CHECK(cluster.workers[i]->pid() == pids[i]);
  }
  CHECK(cluster.coordinator->running());
  CHECK(cluster.coordinator->output().find("lost") == std::string::npos);
  cluster.stop();
}
