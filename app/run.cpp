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
//   wait-ready NAME | kill NAME [-9] | stop NAME | sleep DURATION
//   expect rows N | expect errors N | expect accuracy OP X | expect nodes N
//   set NAME VALUE (a default: --set NAME=VALUE on the command line wins)
//   tls [DIR] (before the first start: TLS with DIR's certificates, or with
//     certificates made for the run; a run with --host uses TLS anyway)
//   any shell command (submit, nodes, jobs, status, wait, drain, ...)
// ${NAME} in a line is replaced by NAME's value.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/node_edge.hpp"
#include "app/node_process.hpp"
#include "app/run_tls.hpp"
#include "app/script_text.hpp"
#include "app/virtual_network.hpp"
#include "messages/errors.hpp"
#include "app/shell_driver.hpp"
#include "app/subcommands.hpp"

namespace fovea {

namespace {

using words = std::vector<std::string>;
using namespace std::chrono_literals;

constexpr auto ready_timeout = 120s;

extern "C" void interrupted(int signal) {
  node_process::kill_all_now();
  virtual_network::tear_down_now();
  ::_exit(128 + signal);
}

class script_run {
public:
  script_run(caf::actor_system& sys, std::filesystem::path dir,
             std::shared_ptr<route_table> routes, std::optional<run_tls> tls)
    : dir_(std::move(dir)), shell_(sys, std::move(routes)),
      tls_(std::move(tls)) {
  }

  ~script_run() {
    shell_.close();
    // Workers first: a worker whose coordinator is gone tries to rejoin.
    for (auto i = order_.rbegin(); i != order_.rend(); ++i)
      if (auto& node = nodes_[*i]; node && node->running())
        node->stop(30s);
  }

  /// Runs one line's words; an empty string if it worked, else why not.
  std::string line(const words& w) {
    const auto& verb = w[0];
    if (verb == "start")
      return start(w);
    if (verb == "wait-ready" || verb == "kill" || verb == "stop")
      return node_verb(w);
    if (verb == "sleep") {
      auto d = w.size() == 2 ? parse_duration(w[1]) : std::nullopt;
      if (!d)
        return "usage: sleep DURATION (500ms, 2s, 1m)";
      std::this_thread::sleep_for(*d);
      return {};
    }
    if (verb == "expect")
      return expect(w);
    if (verb == "tls") // applied before the first line ran (run_tls.hpp)
      return {};
    return shell_.execute(w) ? std::string{} : "the command failed";
  }

  const std::filesystem::path& dir() const { return dir_; }

private:
  std::string start(const words& w) {
    if (w.size() < 3 || (w[1] != "coordinator" && w[1] != "worker"))
      return "usage: start coordinator|worker NAME [--config F] [overrides]";
    const auto& role = w[1];
    const auto& name = w[2];
    if (nodes_.count(name))
      return "a node named " + name + " was started already";
    std::string config = "config/" + role + ".ini";
    std::string host;
    words overrides;
    for (size_t i = 3; i < w.size(); ++i) {
      if (w[i] == "--config" && i + 1 < w.size())
        config = w[++i];
      else if (w[i] == "--host" && i + 1 < w.size())
        host = w[++i];
      else if (w[i].rfind("--fovea.", 0) == 0 || w[i].rfind("--middleman.", 0) == 0)
        overrides.push_back(w[i]);
      else
        return "start: unexpected argument " + w[i];
    }
    if (role == "worker" && coordinator_address_.empty())
      return "start a coordinator first: workers join the script's "
             "coordinator";
    if (role == "worker" && !host.empty() && !coordinator_on_host_)
      return "the coordinator listens on loopback, which host " + host
             + " cannot reach: start the coordinator with --host too";
    words args{"node", "--config", config, "--fovea.id=" + name};
    words prefix;
    if (!host.empty()) {
      if (!network_)
        network_.emplace(dir_.string());
      std::string problem;
      if (network_->host(host, problem).empty())
        return problem;
      prefix = network_->exec_prefix(host);
    }
    if (role == "coordinator") {
      args.push_back("--fovea.port=0");
      // On a host of its own it listens on that host's address.
      if (!host.empty())
        args.push_back("--fovea.host=" + network_->address_of(host));
    } else {
      args.push_back("--fovea.coordinator=" + coordinator_address_);
    }
    if (tls_) {
      auto flags = tls_->flags(name);
      args.insert(args.end(), flags.begin(), flags.end());
    }
    args.insert(args.end(), overrides.begin(), overrides.end());
    auto log = (dir_ / (name + ".log")).string();
    auto node = std::make_unique<node_process>(name, args, log, prefix);
    if (!node->started())
      return "cannot start " + name;
    auto& started = *(nodes_[name] = std::move(node));
    order_.push_back(name);
    if (role == "worker")
      return {}; // `wait-ready NAME` waits for it
    auto ready = started.wait_for_line("ready on", ready_timeout);
    if (!ready)
      return "coordinator " + name + " did not get ready (see " + log + ")";
    // "fovea coordinator NAME ready on HOST:PORT"
    coordinator_address_ = ready->substr(ready->rfind(' ') + 1);
    coordinator_on_host_ = !host.empty();
    if (!shell_.execute({"connect", coordinator_address_}))
      return "cannot connect to " + coordinator_address_;
    return {};
  }

  std::string node_verb(const words& w) {
    const auto& verb = w[0];
    if (w.size() < 2 || w.size() > 3 || (w.size() == 3 && w[2] != "-9"))
      return "usage: " + verb + " NAME" + (verb == "kill" ? " [-9]" : "");
    auto found = nodes_.find(w[1]);
    if (found == nodes_.end())
      return "no node named " + w[1] + " was started";
    auto& node = *found->second;
    if (verb == "wait-ready")
      return node.wait_for_line("ready", ready_timeout)
               ? std::string{}
               : node.name() + " did not get ready (see " + node.log() + ")";
    if (verb == "kill") {
      node.signal(w.size() == 3 ? SIGKILL : SIGTERM);
      return {};
    }
    auto code = node.stop(60s);
    return code == 0 ? std::string{}
                     : node.name() + " exited with " + std::to_string(code);
  }

  std::string expect(const words& w) {
    if (w.size() < 3)
      return "usage: expect rows|errors|nodes N, or expect accuracy OP X";
    const auto& what = w[1];
    if (what == "nodes") {
      auto want = parse_number(w[2]);
      if (!want || w.size() != 3)
        return "usage: expect nodes N";
      if (!shell_.execute({"nodes"}))
        return "cannot list the nodes";
      auto have = shell_.last_nodes().size();
      return have == *want ? std::string{}
                           : "expected " + w[2] + " nodes, there are "
                               + std::to_string(have);
    }
    auto job = shell_.last_job();
    if (!job)
      return "no job has finished yet (expect refers to the last one)";
    if (what == "rows" || what == "errors") {
      auto want = parse_number(w[2]);
      auto have = what == "rows" ? job->rows : job->errors;
      if (!want || w.size() != 3)
        return "usage: expect " + what + " N";
      return have == *want ? std::string{}
                           : "expected " + w[2] + " " + what + ", the job had "
                               + std::to_string(have);
    }
    if (what == "accuracy") {
      auto bound = w.size() == 4 ? parse_number(w[3]) : std::nullopt;
      const auto& op = w[2];
      if (!bound)
        return "usage: expect accuracy >=|>|<=|<|== X";
      if (!job->accuracy)
        return "the last job had no --truth, so no accuracy";
      auto a = *job->accuracy;
      bool holds = op == ">=" ? a >= *bound
                   : op == ">" ? a > *bound
                   : op == "<=" ? a <= *bound
                   : op == "<" ? a < *bound
                   : op == "==" ? a == *bound
                                : false;
      char text[64];
      std::snprintf(text, sizeof(text), "%.4f", a);
      return holds ? std::string{}
                   : "accuracy " + std::string{text} + " is not " + op + " "
                       + w[3];
    }
    return "expect what? rows, errors, accuracy or nodes";
  }

  std::filesystem::path dir_;
  shell_driver shell_;
  std::map<std::string, std::unique_ptr<node_process>> nodes_;
  std::vector<std::string> order_; ///< start order
  std::string coordinator_address_;
  bool coordinator_on_host_ = false;
  std::optional<virtual_network> network_; ///< with the first --host
  std::optional<run_tls> tls_; ///< every node's certificate, if TLS
};


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
