// fovea run on real processes: the example scripts go green, a failing
// `expect` fails the run, and no node outlives its run, however it ends.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <unistd.h>

#include "tests/support/certificates.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/wait.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Pids of processes whose command line contains `needle`.
std::vector<pid_t> processes_with(const std::string& needle) {
  std::vector<pid_t> found;
  for (auto& entry : fs::directory_iterator{"/proc"}) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in{entry.path() / "cmdline", std::ios::binary};
    std::string cmdline{std::istreambuf_iterator<char>{in}, {}};
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos)
      found.push_back(std::stoi(name));
  }
  return found;
}

std::string write_script(const fs::path& dir, const std::string& text) {
  auto path = (dir / "script.fovea").string();
  std::ofstream{path} << text;
  return path;
}

// Node ids unique to this test process, so the /proc check is exact.
std::string unique(const std::string& name) {
  return name + "-" + std::to_string(::getpid());
}

// The network namespaces and the bridge that `fovea run` with pid `runner`
// made for its --host nodes (named after its pid, see virtual_network.cpp).
std::vector<std::string> network_of(pid_t runner) {
  auto tag = std::to_string(runner % 100000);
  std::vector<std::string> found;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator{"/run/netns", ec})
    if (entry.path().filename().string().rfind("fovea-" + tag + "-", 0) == 0)
      found.push_back(entry.path().filename().string());
  if (fs::exists("/sys/class/net/fvbr" + tag))
    found.push_back("fvbr" + tag);
  return found;
}

// --host needs root and a kernel that lets it make namespaces (a container
// may not); where it cannot, those tests report themselves skipped.
bool can_make_namespaces() {
  if (::geteuid() != 0) {
    test::skip_test("network namespaces need root (fovea run --host)");
    return false;
  }
  auto probe = "fovea-probe-" + std::to_string(::getpid());
  auto made = std::system(("ip netns add " + probe + " 2>/dev/null").c_str()) == 0;
  if (made)
    std::system(("ip netns del " + probe).c_str());
  else
    test::skip_test("'ip netns add' fails here (no CAP_SYS_ADMIN or "
                    "iproute2?)");
  return made;
}

} // namespace

TEST_CASE("the example cluster scripts pass on the Fashion-MNIST test set",
          "[integration][run][slow]") {
  auto dir = test::fresh_dir("run-examples");
  auto images = (dir / "test").string();
  auto imported = test::run_fovea(
    {"dataset", "fashion-mnist", "--split", "test", "--out", images});
  REQUIRE(imported.first == 0);
  for (auto script : {"local-demo", "failure-drill"}) {
    INFO(script);
    auto [code, output] = test::run_fovea(
      {"run", std::string{"config/clusters/"} + script + ".fovea", "--dir",
       (dir / script).string(), "--set", "images=" + images, "--set",
       "out=" + dir.string()},
      300s);
    INFO(output);
    CHECK(code == 0);
    CHECK(output.find("lines ok, 0 skipped") != std::string::npos);
    CHECK(output.find("FAILED") == std::string::npos);
    CHECK(fs::exists(dir / script / "coord.log"));
  }
  auto rows = test::read_results(dir / "failure-drill.csv").rows;
  CHECK(rows.size() == 10000);
}

TEST_CASE("the rolling-upgrade drill moves new jobs to version 2 while a job "
          "on version 1 runs, and no job mixes the two",
          "[integration][run][slow]") {
  auto dir = test::fresh_dir("run-upgrade");
  auto test_set = dir / "test";
  auto imported = test::run_fovea(
    {"dataset", "fashion-mnist", "--split", "test", "--out", test_set.string()});
  REQUIRE(imported.first == 0);
  // Three links to each test image: the first job then outlasts version
  // 2's workers' load (10,000 images took 5-6 s here, the load 2-5 s).
  auto images = dir / "images";
  for (auto copy : {"a", "b", "c"}) {
    fs::create_directories(images / copy);
    for (auto& entry : fs::directory_iterator{test_set})
      if (entry.path().extension() == ".png")
        fs::create_hard_link(entry.path(),
                             images / copy / entry.path().filename());
  }
  auto [code, output] = test::run_fovea(
    {"run", "config/clusters/rolling-upgrade.fovea", "--dir",
     (dir / "logs").string(), "--set", "images=" + images.string(), "--set",
     "rows=30000", "--set", "out=" + dir.string()},
    300s);
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("lines ok, 0 skipped") != std::string::npos);
  // The script checked every row's model (expect rows-from ... == rows);
  // here: two real networks, whose labels differ on some images only.
  auto before = test::read_results(dir / "upgrade-v1.csv").rows;
  auto after = test::read_results(dir / "upgrade-v2.csv").rows;
  REQUIRE(before.size() == 30000);
  REQUIRE(after.size() == 30000);
  std::map<std::string, int> label_before;
  for (auto& row : before)
    label_before[row.path] = row.label;
  size_t differ = 0;
  for (auto& row : after) {
    CHECK(row.model == "fashion-mnist@2");
    differ += label_before.at(row.path) != row.label ? 1 : 0;
  }
  for (auto& row : before)
    CHECK(row.model == "fashion-mnist@1");
  CHECK(differ > 0);
  CHECK(differ < 6000); // both are good models of the same classes
}

TEST_CASE("a run with tls DIR gives each node its certificate from DIR, and "
          "tls alone makes the run's own",
          "[integration][run][tls]") {
  auto dir = test::fresh_dir("run-tls");
  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1", "w2"}, "worker");
  test::fovea_certs(pki, {"operator"}, "operator");
  test::write_pattern_pngs(dir / "images", 200);
  auto [code, output] = test::run_fovea(
    {"run", "config/clusters/tls-cluster.fovea", "--dir",
     (dir / "given").string(), "--set", "images=" + (dir / "images").string(),
     "--set", "out=" + dir.string(), "--set", "rows=200", "--set",
     "pki=" + pki});
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("lines ok, 0 skipped") != std::string::npos);
  auto log = [&](const fs::path& file) {
    std::ifstream in{file};
    return std::string{std::istreambuf_iterator<char>{in}, {}};
  };
  CHECK_THAT(log(dir / "given" / "coord.log"),
             Catch::Contains("TLS edge, certificate " + pki + "/coord.pem"));
  // Without a folder: certificates made for this run, in its log folder.
  auto script = write_script(dir, "tls\n"
                                  "start coordinator c\n"
                                  "start worker w\n"
                                  "wait-ready w\n"
                                  "submit " + (dir / "images").string()
                                  + " --out " + (dir / "own.csv").string()
                                  + "\nexpect rows 200\n");
  auto own = test::run_fovea({"run", script, "--dir", (dir / "own").string()});
  INFO(own.second);
  CHECK(own.first == 0);
  CHECK(fs::exists(dir / "own" / "certs" / "ca.pem"));
  CHECK(fs::exists(dir / "own" / "certs" / "operator.pem"));
  CHECK_THAT(log(dir / "own" / "c.log"), Catch::Contains("TLS edge"));
  // Again in the same folder: the certificates made before are used.
  auto again = test::run_fovea({"run", script, "--dir", (dir / "own").string()});
  INFO(again.second);
  CHECK(again.first == 0);
  // A tls folder that lacks a node's certificate stops the run at once.
  auto missing = write_script(dir, "tls " + pki + "\nstart coordinator x\n");
  auto refused = test::run_fovea({"run", missing, "--dir",
                                  (dir / "missing").string()});
  CHECK(refused.first == 2);
  CHECK_THAT(refused.second, Catch::Contains(pki + "/x.pem is missing"));
}

TEST_CASE("the three-host example runs each node in a namespace of its own "
          "and removes them after",
          "[integration][run][netns][slow]") {
  if (!can_make_namespaces())
    return;
  auto dir = test::fresh_dir("run-three-hosts");
  auto images = (dir / "test").string();
  REQUIRE(test::run_fovea({"dataset", "fashion-mnist", "--split", "test",
                           "--out", images})
            .first
          == 0);
  test::child_process run{{"run", "config/clusters/three-hosts.fovea",
                           "--dir", (dir / "logs").string(), "--set",
                           "images=" + images, "--set",
                           "out=" + dir.string()}};
  CHECK(run.wait_for_exit(300s) == 0);
  INFO(run.output());
  CHECK(run.output().find("lines ok, 0 skipped") != std::string::npos);
  // The workers reached the coordinator at its namespace's address, not at
  // loopback.
  std::ifstream log{dir / "logs" / "w1.log"};
  std::string ready_line;
  for (std::string line; ready_line.empty() && std::getline(log, line);)
    if (line.find(" ready: ") != std::string::npos)
      ready_line = line;
  CHECK_THAT(ready_line, Catch::Contains("ready: registered with 10."));
  // And the coordinator saw each worker connect from its own host's address.
  std::smatch w1, w2;
  auto& output = run.output();
  REQUIRE(std::regex_search(output, w1,
                            std::regex{"\nw1 +worker +(10\\.[0-9.]+):[0-9]+ "}));
  REQUIRE(std::regex_search(output, w2,
                            std::regex{"\nw2 +worker +(10\\.[0-9.]+):[0-9]+ "}));
  CHECK(w1[1] != w2[1]);
  CHECK(test::read_results(dir / "three-hosts.csv").rows.size() == 10000);
  // Off loopback, the run made certificates and every node spoke TLS.
  std::ifstream coordinator_log{dir / "logs" / "coord.log"};
  std::string coordinator_text{std::istreambuf_iterator<char>{coordinator_log},
                               {}};
  CHECK_THAT(coordinator_text, Catch::Contains("TLS edge")
                                 && Catch::Contains("(certificate w1)")
                                 && Catch::Contains("(certificate w2)"));
  CHECK(network_of(run.pid()).empty());
}

TEST_CASE("an interrupted run removes its namespaces too",
          "[integration][run][netns]") {
  if (!can_make_namespaces())
    return;
  auto dir = test::fresh_dir("run-netns-interrupted");
  auto worker = unique("nw");
  auto script = write_script(dir, "start coordinator " + unique("nc")
                                    + " --host a\n"
                                      "start worker " + worker
                                    + " --host b\n"
                                      "wait-ready " + worker + "\n"
                                      "sleep 10m\n");
  test::child_process run{{"run", script, "--dir", (dir / "logs").string()}};
  REQUIRE(run.wait_for_line("> sleep 10m", 120s));
  CHECK(network_of(run.pid()).size() == 3); // two hosts and the bridge
  auto nodes = processes_with("--fovea.id=" + worker);
  CHECK(nodes.size() == 1);
  run.signal(SIGTERM);
  CHECK(run.wait_for_exit(30s) == 128 + SIGTERM);
  CHECK(network_of(run.pid()).empty());
  // The runner kills and reaps its nodes before it exits.
  CHECK(test::wait_for_exit_of(nodes, 0s));
  CHECK(processes_with("--fovea.id=" + worker).empty());
}

TEST_CASE("a worker on a host cannot join a coordinator on loopback",
          "[integration][run][netns]") {
  if (!can_make_namespaces())
    return;
  auto dir = test::fresh_dir("run-netns-loopback");
  auto script = write_script(dir, "start coordinator " + unique("lc") + "\n"
                                  "start worker " + unique("lw")
                                  + " --host b\n");
  test::child_process run{{"run", script, "--dir", (dir / "logs").string()}};
  CHECK(run.wait_for_exit(120s) == 1);
  INFO(run.output());
  CHECK(run.output().find("start the coordinator with --host too")
        != std::string::npos);
  CHECK(network_of(run.pid()).empty());
}

TEST_CASE("a failing expect fails the run, skips the rest, and leaves no "
          "node behind",
          "[integration][run]") {
  auto dir = test::fresh_dir("run-fails");
  auto paths = test::write_pattern_pngs(dir / "images", 30);
  auto coord = unique("coord");
  auto worker = unique("w");
  auto script = write_script(
    dir, "# two nodes, then a wrong expectation\n"
         "start coordinator " + coord + "\n"
         "start worker " + worker + "\n"
         "wait-ready " + worker + "\n"
         "submit " + (dir / "images").string() + " --out "
         + (dir / "out.csv").string() + "\n"
         "expect rows 30\n"
         "expect errors 1\n"
         "nodes\n");
  auto [code, output] = test::run_fovea(
    {"run", script, "--dir", (dir / "logs").string()}, 120s);
  INFO(output);
  CHECK(code == 1);
  CHECK_THAT(output, Catch::Contains("FAILED (0.0 s): expected 1 errors, "
                                     + (dir / "out.csv").string()
                                     + " has 0"));
  CHECK(output.find("fovea run: 5 of 7 lines ok, 1 skipped") != std::string::npos);
  CHECK(output.find("failed at " + script + ":7: expect errors 1")
        != std::string::npos);
  CHECK(processes_with("--fovea.id=" + coord).empty());
  CHECK(processes_with("--fovea.id=" + worker).empty());
  CHECK(fs::exists(dir / "logs" / (worker + ".log")));
}

TEST_CASE("an interrupted run stops every node it started",
          "[integration][run]") {
  auto dir = test::fresh_dir("run-interrupted");
  auto coord = unique("icoord");
  auto worker = unique("iw");
  auto script = write_script(dir, "start coordinator " + coord + "\n"
                                  "start worker " + worker + "\n"
                                  "wait-ready " + worker + "\n"
                                  "sleep 10m\n");
  test::child_process run{{"run", script, "--dir", (dir / "logs").string()}};
  REQUIRE(run.wait_for_line("> sleep 10m", 120s));
  auto nodes = processes_with("--fovea.id=" + coord);
  auto workers = processes_with("--fovea.id=" + worker);
  CHECK(workers.size() == 1);
  nodes.insert(nodes.end(), workers.begin(), workers.end());
  run.signal(SIGTERM);
  CHECK(run.wait_for_exit(30s) == 128 + SIGTERM);
  // The runner kills and reaps its nodes before it exits.
  CHECK(test::wait_for_exit_of(nodes, 0s));
  CHECK(processes_with("--fovea.id=" + coord).empty());
  CHECK(processes_with("--fovea.id=" + worker).empty());
}

TEST_CASE("a script with an unknown variable or verb fails with the line",
          "[integration][run]") {
  auto dir = test::fresh_dir("run-typos");
  auto script = write_script(dir, "submit ${nowhere}\n");
  auto [code, output] = test::run_fovea({"run", script, "--dir",
                                         (dir / "logs").string()});
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("${nowhere} has no value") != std::string::npos);
  auto usage = test::run_fovea({"run"});
  CHECK(usage.first == 2);
}
