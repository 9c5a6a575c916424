// A worker serving a NAME/VERSION/ repository of two real models, over TLS
// on real processes: each model registers under the worker's certificate
// name, jobs bound to either run on it, `nodes` shows both, and one
// `drain` drains both; a repository whose path disagrees with a model.ini
// stops the worker with exit 2.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A copy of the shipped repository models/fashion-mnist: versions 1 and 2.
fs::path fashion_repository(const fs::path& dir) {
  auto repository = dir / "models";
  fs::create_directories(repository);
  fs::copy(fs::path{test::source_dir()} / "models" / "fashion-mnist",
           repository / "fashion-mnist", fs::copy_options::recursive);
  return repository;
}

} // namespace

TEST_CASE("a worker serving a repository registers each model under its "
          "certificate name, runs jobs of both, and drains as one",
          "[integration][models]") {
  auto dir = test::fresh_dir("model-repository-cluster");
  auto paths = test::write_pattern_pngs(dir / "images", 60);
  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1"}, "worker");
  test::fovea_certs(pki, {"alice"}, "client");
  test::fovea_certs(pki, {"ops"}, "operator");
  test::local_cluster cluster{0, {}, {}, pki};
  auto& worker =
      cluster.add_worker({"--fovea.model=" + fashion_repository(dir).string()});
  INFO(worker.output());
  // add_worker waited for the first ready line; one per model.
  REQUIRE(worker.wait_for_line("ready", 60s));
  CHECK(worker.output().find("(model fashion-mnist@1, slots 128)")
        != std::string::npos);
  CHECK(worker.output().find("(model fashion-mnist@2, slots 128)")
        != std::string::npos);

  for (auto model : {"fashion-mnist@1", "fashion-mnist@2"}) {
    auto out = dir / (std::string{model} + ".csv");
    std::vector<std::string> args{
        "submit",  "--coordinator", cluster.address, (dir / "images").string(),
        "--model", model,           "--out",         out.string()};
    auto tls = cluster.tls_flags("alice");
    args.insert(args.end(), tls.begin(), tls.end());
    auto [code, output] = test::run_fovea(args);
    INFO(model << ": " << output);
    REQUIRE(code == 0);
    auto by_worker = test::check_results(out, paths);
    CHECK(by_worker == std::map<std::string, int>{{"w1", 60}});
    for (auto& row : test::read_results(out).rows)
      CHECK(row.model == model);
  }

  std::vector<std::string> shell_args{"shell", cluster.address};
  auto tls = cluster.tls_flags("ops");
  shell_args.insert(shell_args.end(), tls.begin(), tls.end());
  test::child_process shell{shell_args};
  shell.write_input("nodes\ndrain w1\n");
  shell.close_input();
  CHECK(shell.wait_for_exit(120s) == 0);
  INFO(shell.output());
  CHECK(shell.output().find("w1     worker") != std::string::npos);
  CHECK(shell.output().find("fashion-mnist@1") != std::string::npos);
  CHECK(shell.output().find("fashion-mnist@2") != std::string::npos);
  // Both registrations drained, their 120 results in one answer; the
  // worker process then leaves by itself.
  CHECK(shell.output().find("worker w1 drained after 120 results") !=
        std::string::npos);
  CHECK(worker.wait_for_exit(60s) == 0);
  cluster.workers.clear();
  cluster.stop();
}

TEST_CASE("a worker whose repository folder disagrees with its model.ini "
          "exits 2 naming both",
          "[integration][models]") {
  auto dir = test::fresh_dir("model-repository-mismatch");
  auto repository = fashion_repository(dir);
  fs::rename(repository / "fashion-mnist" / "2",
             repository / "fashion-mnist" / "3");
  auto [code, output] =
      test::run_fovea({"node", "--config", "config/worker.ini",
                       "--fovea.model=" + repository.string()});
  INFO(output);
  CHECK(code == 2);
  CHECK(output.find("fashion-mnist/3: its model.ini says fashion-mnist@2, "
                    "its folder fashion-mnist@3") != std::string::npos);
}
