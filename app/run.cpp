// fovea run SCRIPT [--dir DIR] [--set NAME=VALUE ...]
//
// A scripted cluster run: the shell's language plus verbs that start and
// stop nodes and assertions on what happened. Each line is echoed with its
// outcome; the first failing line ends the run (the rest are skipped); every
// node it started is stopped at the end, on failure and on interruption,
// with its output in DIR/NAME.log. Exit code 0 only if every line worked.
//
//   start coordinator NAME [--config F] [--host HOST] [--fovea.KEY=VALUE ...]
//   start worker NAME [--config F] [--host HOST] [--fovea.KEY=VALUE ...]
//     (--host: in a network namespace of its own, see virtual_network.hpp;
//     also for the coordinator, which then listens on that host's address)
//   wait-ready NAME | wait-rows JOB N | kill NAME [-9] | stop NAME |
//   sleep DURATION
//   expect rows N | expect errors N | expect accuracy OP X | expect nodes N
//   set NAME VALUE (a default: --set NAME=VALUE on the command line wins)
//   tls [DIR] (before the first start: TLS with DIR's certificates, or with
//     certificates made for the run; a run with --host uses TLS anyway)
//   any shell command (submit, nodes, jobs, status, wait, drain, ...)
// ${NAME} in a line is replaced by NAME's value. The verbs are
// run_script.cpp's; this file reads the script and runs it line by line.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "actors/remote.hpp"
#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/node_edge.hpp"
#include "app/node_process.hpp"
#include "app/run_script.hpp"
#include "app/run_tls.hpp"
#include "app/script_text.hpp"
#include "app/subcommands.hpp"
#include "app/virtual_network.hpp"

namespace fovea {

namespace {

extern "C" void interrupted(int signal) {
  node_process::kill_all_now();
  virtual_network::tear_down_now();
  ::_exit(128 + signal);
}



} // namespace

int run_main(const arguments& args) {
  std::string script_path;
  std::string dir;
  std::map<std::string, std::string> given; ///< --set NAME=VALUE
  bool usage_error = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dir" && i + 1 < args.size()) {
      dir = args[++i];
    } else if (args[i] == "--set" && i + 1 < args.size()
               && args[i + 1].find('=') != std::string::npos) {
      auto& pair = args[++i];
      given[pair.substr(0, pair.find('='))] = pair.substr(pair.find('=') + 1);
    } else if (script_path.empty() && args[i].rfind("--", 0) != 0) {
      script_path = args[i];
    } else {
      usage_error = true;
    }
  }
  if (script_path.empty() || usage_error) {
    complain("usage: fovea run SCRIPT [--dir DIR] [--set NAME=VALUE ...]");
    return 2;
  }
  std::ifstream script{script_path};
  if (!script) {
    complain("fovea run: cannot read " + script_path);
    return 2;
  }
  std::vector<std::pair<int, std::string>> lines;
  int number = 0;
  for (std::string text; std::getline(script, text);) {
    ++number;
    auto words = split_words(text);
    if (!words.empty() && words[0][0] != '#')
      lines.emplace_back(number, text);
  }
  if (dir.empty())
    dir = "runs/" + timestamp();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    complain("fovea run: cannot create " + dir + ": " + ec.message());
    return 2;
  }
  fovea_config cfg;
  if (auto problem = cfg.configure({}); !problem.empty()) {
    complain("fovea run: " + problem);
    return 2;
  }
  // TLS is decided, and certificates made, before any line runs: the
  // runner's own edge needs its certificate from the start.
  std::string tls_problem;
  auto tls = plan_run_tls(expand_lines(lines, given), dir, tls_problem);
  if (!tls_problem.empty()) {
    complain("fovea run: " + tls_problem);
    return 2;
  }
  if (tls)
    tls->configure_runner(cfg);
  auto front = open_edge(cfg, node_kind::console, "fovea run");
  if (!front)
    return 2;
  std::signal(SIGINT, interrupted);
  std::signal(SIGTERM, interrupted);
  std::signal(SIGHUP, interrupted);
  auto started = std::chrono::steady_clock::now();
  size_t ok = 0;
  std::string failure;
  {
    caf::actor_system sys{cfg};
    edge_attachment attached{sys, front->get()};
    script_run run{sys, dir, *front, tls};
    auto values = given;
    for (auto& [line_number, raw] : lines) {
      auto prefix = script_path + ":" + std::to_string(line_number) + ": ";
      std::string unknown;
      auto text = substitute(raw, values, unknown).value_or(raw);
      auto words = split_words(text);
      say("> " + text);
      auto t0 = std::chrono::steady_clock::now();
      std::string problem;
      if (!unknown.empty())
        problem = "${" + unknown + "} has no value (set it, or --set "
                  + unknown + "=VALUE)";
      else if (words[0] == "set")
        problem = words.size() == 3
                    ? (values.emplace(words[1], words[2]), std::string{})
                    : "usage: set NAME VALUE";
      else
        problem = run.line(words);
      char took[32];
      std::snprintf(took, sizeof(took), "%.1f s",
                    std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - t0)
                      .count());
      if (!problem.empty()) {
        say("  FAILED (" + std::string{took} + "): " + problem);
        failure = prefix + text + ": " + problem;
        break;
      }
      say("  ok (" + std::string{took} + ")");
      ++ok;
    }
  } // every node stopped here
  auto seconds = std::chrono::duration<double>(
                   std::chrono::steady_clock::now() - started)
                   .count();
  char summary[256];
  std::snprintf(summary, sizeof(summary),
                "fovea run: %zu of %zu lines ok, %zu skipped, %.1f s; node "
                "logs in %s",
                ok, lines.size(),
                lines.size() - ok - (failure.empty() ? 0 : 1), seconds,
                dir.c_str());
  say(summary);
  if (!failure.empty()) {
    complain("fovea run: failed at " + failure);
    return 1;
  }
  return 0;
}

} // namespace fovea
