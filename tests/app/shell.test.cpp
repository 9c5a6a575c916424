// fovea shell against a live cluster of real processes, driven the way a
// script drives it: commands piped into stdin, output checked.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>
#include <regex>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

std::pair<int, std::string> run_shell(const std::string& address,
                                      const std::string& commands) {
  test::child_process shell{{"shell", address}};
  shell.write_input(commands);
  shell.close_input();
  auto code = shell.wait_for_exit(120s);
  return {code, shell.output()};
}

} // namespace

TEST_CASE("piped commands run against a live cluster, tables and all",
          "[integration][shell]") {
  auto dir = test::fresh_dir("shell-session");
  auto paths = test::write_pattern_pngs(dir / "images", 40);
  test::local_cluster cluster{2};
  auto out = (dir / "results.csv").string();
  auto [code, output] = run_shell(
    cluster.address, "ping\n"
                     "nodes\n"
                     "# a comment, then a blank line\n\n"
                     "submit " + (dir / "images").string() + " --out " + out
                       + " --job catalogue\n"
                     "jobs\n"
                     "status 1\n"
                     "wait 1\n"
                     "stats\n"
                     "quit\n");
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("connected to coordinator coord at " + cluster.address)
        != std::string::npos);
  CHECK(output.find("pong from coord in ") != std::string::npos);
  CHECK(output.find("id     role         host:port") != std::string::npos);
  // The coordinator where the shell reached it; each worker where its
  // connection comes from, as the coordinator's middleman sees it.
  CHECK(output.find("\ncoord  coordinator  " + cluster.address + " ")
        != std::string::npos);
  CHECK(std::regex_search(output, std::regex{"\nw1     worker       "
                                             "127\\.0\\.0\\.1:[0-9]+ "}));
  CHECK(std::regex_search(output, std::regex{"\nw2     worker       "
                                             "127\\.0\\.0\\.1:[0-9]+ "}));
  CHECK(output.find("fovea: 40 images, 0 errors") != std::string::npos);
  CHECK(output.find("  1  catalogue  finished  fashion-mnist@1  40/40")
        != std::string::npos);
  CHECK(output.find("job 1 (catalogue) finished on fashion-mnist@1: 40/40 "
                    "(100.0%), 0 errors")
        != std::string::npos);
  CHECK(output.find("workers  slots  in flight  results") != std::string::npos);
  test::check_results(out, paths);
  cluster.stop();
}

TEST_CASE("at a terminal, tab completes commands, the cluster's worker ids, "
          "job numbers and paths, and history is kept",
          "[integration][shell]") {
  auto dir = test::fresh_dir("shell-terminal");
  auto paths = test::write_pattern_pngs(dir / "images", 20);
  test::local_cluster cluster{2};
  // readline as on a plain terminal, without the tester's own settings.
  test::child_process shell{{"shell", cluster.address},
                            test::on_terminal{{"HOME=" + dir.string(),
                                               "TERM=dumb",
                                               "INPUTRC=/dev/null"}}};
  REQUIRE(shell.wait_for_line("connected to coordinator coord", 60s));
  // A command's name.
  shell.write_input("pin\t\n");
  CHECK(shell.wait_for_line("pong from coord in ", 60s));
  // drain's argument: the workers the coordinator has now, listed on the
  // second tab (never run: ^U empties the line).
  shell.write_input("drain w\t\t");
  CHECK(shell.wait_for_line("w1  w2", 60s));
  shell.write_input("\x15\n");
  // submit's arguments are paths.
  auto out = (dir / "results.csv").string();
  shell.write_input("submit " + (dir / "ima").string() + "\t --out " + out
                    + " --job tabbed\n");
  CHECK(shell.wait_for_line("fovea: 20 images, 0 errors", 120s));
  // wait's argument: the one job there is.
  shell.write_input("wait \t\n");
  CHECK(shell.wait_for_line("job 1 (tabbed) finished on fashion-mnist@1: 20/20", 60s));
  shell.write_input("quit\n");
  CHECK(shell.wait_for_exit(60s) == 0);
  INFO(shell.output());
  test::check_results(out, paths);
  // What was run, as completed, is in the history for the next session.
  std::ifstream history{dir / ".fovea_history"};
  std::stringstream lines;
  lines << history.rdbuf();
  CHECK(lines.str().find("ping\n") != std::string::npos);
  CHECK(lines.str().find("submit " + (dir / "images").string() + "/ --out ")
        != std::string::npos);
  CHECK(lines.str().find("wait 1\n") != std::string::npos);
  cluster.stop();
}

TEST_CASE("a failing command is one error line: the shell goes on and "
          "exits 1",
          "[integration][shell]") {
  test::local_cluster cluster{1};
  auto [code, output] = run_shell(cluster.address,
                                  "bogus\nwait 99\ncancel x\nnodes\n");
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("error: unknown command bogus (try `help`)")
        != std::string::npos);
  CHECK(output.find("error: wait: unknown job: 99") != std::string::npos);
  CHECK(output.find("error: cancel: JOB is a job number") != std::string::npos);
  CHECK(output.find("\nw1     worker") != std::string::npos);
  cluster.stop();
}

TEST_CASE("when the coordinator goes away the shell says so, and connect "
          "works again",
          "[integration][shell]") {
  test::local_cluster cluster{1};
  test::child_process shell{{"shell", cluster.address}};
  shell.write_input("nodes\n");
  REQUIRE(shell.wait_for_line("w1     worker", 30s));
  cluster.coordinator->signal(SIGKILL);
  REQUIRE(shell.wait_for_line("lost the coordinator", 30s));
  cluster.restart_coordinator();
  REQUIRE(cluster.coordinator->wait_for_line(" registered from", 60s));
  shell.write_input("nodes\nconnect " + cluster.address + "\nnodes\nquit\n");
  shell.close_input();
  auto code = shell.wait_for_exit(60s);
  INFO(shell.output());
  CHECK(code == 1); // the `nodes` while disconnected failed
  CHECK(shell.output().find("error: not connected (connect HOST:PORT)")
        != std::string::npos);
  // After the loss: the refusal, then a new connection and a fresh table.
  auto& text = shell.output();
  auto lost = text.find("lost the coordinator");
  REQUIRE(lost != std::string::npos);
  auto again = text.find("connected to coordinator", lost);
  REQUIRE(again != std::string::npos);
  CHECK(text.find("\nw1     worker", again) != std::string::npos);
  cluster.stop();
}

TEST_CASE("drain from the shell lets a worker leave, and its node exits 0",
          "[integration][shell]") {
  test::local_cluster cluster{2};
  auto [code, output] = run_shell(cluster.address, "drain w2\nnodes\n");
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("worker w2 drained after 0 results; it is leaving")
        != std::string::npos);
  CHECK(output.find("\nw2     worker") == std::string::npos);
  CHECK(cluster.workers[1]->wait_for_exit(30s) == 0);
  cluster.workers.pop_back();
  cluster.stop();
}
