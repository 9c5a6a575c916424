#include "app/run_script.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "app/script_text.hpp"
#include "jobs/results_reader.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

using namespace std::chrono_literals;

constexpr auto ready_timeout = 120s;
constexpr auto rows_timeout = 120s;

bool compare(double a, const std::string& op, double b) {
  return op == ">=" ? a >= b
         : op == ">" ? a > b
         : op == "<=" ? a <= b
         : op == "<"  ? a < b
         : op == "==" ? a == b
                      : false;
}

} // namespace

script_run::script_run(caf::actor_system& sys, std::filesystem::path dir,
                       std::shared_ptr<route_table> routes,
                       std::optional<run_tls> tls)
  : dir_(std::move(dir)), shell_(sys, std::move(routes)),
    tls_(std::move(tls)) {
}

script_run::~script_run() {
  shell_.close();
  // Workers first: a worker whose coordinator is gone tries to rejoin.
  for (auto i = order_.rbegin(); i != order_.rend(); ++i)
    if (auto& node = nodes_[*i]; node && node->running())
      node->stop(30s);
}

std::string script_run::line(const script_run::words& w) {
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
  if (verb == "wait-rows")
    return wait_rows(w);
  if (verb == "tls") // applied before the first line ran (run_tls.hpp)
    return {};
  return shell_.execute(w) ? std::string{} : "the command failed";
}

std::string script_run::start(const script_run::words& w) {
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

std::string script_run::node_verb(const script_run::words& w) {
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
  if (verb == "kill" && w.size() == 3) {
    // Returns once it is dead: a following `expect running` then proves
    // the kill landed mid-job.
    node.signal(SIGKILL);
    node.stop(30s);
    return {};
  }
  if (verb == "kill") {
    node.signal(SIGTERM);
    return {};
  }
  auto code = node.stop(60s);
  return code == 0 ? std::string{}
                   : node.name() + " exited with " + std::to_string(code);
}

// Asks the coordinator, every 50 ms, how far the job is: an event a drill
// can act on ("kill w1 once 1,000 rows are in"), where a sleep would guess.
std::string script_run::wait_rows(const script_run::words& w) {
  auto id = w.size() == 3 ? parse_number(w[1]) : std::nullopt;
  auto want = w.size() == 3 ? parse_number(w[2]) : std::nullopt;
  if (!id || !want)
    return "usage: wait-rows JOB N (JOB's number, as jobs shows it)";
  auto deadline = std::chrono::steady_clock::now() + rows_timeout;
  for (;;) {
    auto jobs = shell_.jobs();
    auto job = std::find_if(jobs.begin(), jobs.end(),
                            [&](auto& row) { return row.id == *id; });
    if (job != jobs.end() && job->done >= *want)
      return {};
    if (job != jobs.end() && job->state != job_state::running)
      return "job " + w[1] + " ended with " + std::to_string(job->done)
             + " rows, before " + w[2];
    if (std::chrono::steady_clock::now() > deadline)
      return "job " + w[1] + " did not reach " + w[2] + " rows within "
             + std::to_string(rows_timeout.count()) + " s";
    std::this_thread::sleep_for(50ms);
  }
}

std::string script_run::expect(const script_run::words& w) {
  if (w.size() == 2 && w[1] == "running")
    return shell_.running_job_ids().empty() ? "no job is running now"
                                            : std::string{};
  if (w.size() < 3)
    return "usage: expect rows|errors|nodes N, expect rows-by WORKER OP N, "
           "expect rows-from MODEL OP N, expect accuracy OP X, or expect "
           "running";
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
  if (what == "rows" || what == "errors" || what == "rows-by"
      || what == "rows-from")
    return expect_rows(w);
  if (what == "accuracy") {
    auto bound = w.size() == 4 ? parse_number(w[3]) : std::nullopt;
    const auto& op = w[2];
    if (!bound)
      return "usage: expect accuracy >=|>|<=|<|== X";
    if (!job->accuracy)
      return "the last job had no --truth, so no accuracy";
    auto a = *job->accuracy;
    bool holds = compare(a, op, *bound);
    char text[64];
    std::snprintf(text, sizeof(text), "%.4f", a);
    return holds ? std::string{}
                 : "accuracy " + std::string{text} + " is not " + op + " "
                     + w[3];
  }
  return "expect what? rows, errors, rows-by, rows-from, accuracy, nodes or "
         "running";
}

// Counted in the results file as it is on the disk, not as the writer
// remembers it: the check is of what a user would find.
std::string script_run::expect_rows(const script_run::words& w) {
  const auto& what = w[1];
  // rows-by WORKER and rows-from MODEL (name@version) compare a share.
  auto by = what == "rows-by" || what == "rows-from";
  auto want = parse_number(w.back());
  if (!want || w.size() != (by ? 5u : 3u))
    return by ? "usage: expect " + what
                  + (what == "rows-by" ? " WORKER" : " MODEL")
                  + " >=|>|<=|<|== N"
              : "usage: expect " + what + " N";
  auto counts = count_results(shell_.last_job()->out);
  if (!counts)
    return describe(counts.error());
  if (by) {
    auto& share = what == "rows-by" ? counts->by_worker : counts->by_model;
    auto found = share.find(w[2]);
    double have = found == share.end() ? 0 : found->second;
    return compare(have, w[3], *want)
             ? std::string{}
             : w[2] + " has " + std::to_string(static_cast<uint64_t>(have))
                 + " rows in " + shell_.last_job()->out + ", not " + w[3]
                 + " " + w[4];
  }
  auto have = what == "rows" ? counts->rows : counts->errors;
  return have == *want ? std::string{}
                       : "expected " + w[2] + " " + what + ", "
                           + shell_.last_job()->out + " has "
                           + std::to_string(have);
}

} // namespace fovea
