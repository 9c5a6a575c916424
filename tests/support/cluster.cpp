#include "tests/support/cluster.hpp"

#include <csignal>

#include <catch2/catch.hpp>

namespace fovea::test {

std::vector<std::string> submit_args(const std::string& address,
                                     const std::filesystem::path& images,
                                     const std::filesystem::path& out,
                                     const std::string& job) {
  std::vector<std::string> args{"submit",        "--coordinator", address,
                                images.string(), "--out",         out.string()};
  if (!job.empty())
    args.insert(args.end(), {"--job", job});
  return args;
}

uint16_t port_of(const std::string& address) {
  return static_cast<uint16_t>(
    std::stoi(address.substr(address.rfind(':') + 1)));
}

using namespace std::chrono_literals;

local_cluster::local_cluster(int worker_count,
                             std::vector<std::string> coordinator_args,
                             const std::vector<std::string>& worker_args,
                             std::string pki)
  : coordinator_args(std::move(coordinator_args)), pki(std::move(pki)) {
  start_coordinator("0");
  for (int i = 1; i <= worker_count; ++i)
    start_worker(worker_args);
  for (auto& w : workers) {
    INFO(w->output());
    REQUIRE(w->wait_for_line("ready", 60s));
  }
}

std::vector<std::string>
local_cluster::tls_flags(const std::string& name) const {
  if (pki.empty())
    return {};
  return {"--fovea.certificate=" + pki + "/" + name + ".pem",
          "--fovea.key=" + pki + "/" + name + ".key",
          "--fovea.ca=" + pki + "/ca.pem"};
}

child_process&
local_cluster::start_worker(const std::vector<std::string>& worker_args) {
  auto id = "w" + std::to_string(++workers_started_);
  std::vector<std::string> args{"node", "--config", "config/worker.ini",
                                "--fovea.coordinator=" + address,
                                "--fovea.id=" + id};
  auto tls = tls_flags(id);
  args.insert(args.end(), tls.begin(), tls.end());
  args.insert(args.end(), worker_args.begin(), worker_args.end());
  return *workers.emplace_back(std::make_unique<child_process>(std::move(args)));
}

child_process&
local_cluster::add_worker(const std::vector<std::string>& worker_args) {
  auto& worker = start_worker(worker_args);
  INFO(worker.output());
  REQUIRE(worker.wait_for_line("ready", 60s));
  return worker;
}

void local_cluster::start_coordinator(const std::string& port) {
  std::vector<std::string> args{"node", "--config", "config/coordinator.ini",
                                "--fovea.port=" + port, "--fovea.id=coord"};
  auto tls = tls_flags("coord");
  args.insert(args.end(), tls.begin(), tls.end());
  args.insert(args.end(), coordinator_args.begin(), coordinator_args.end());
  coordinator = std::make_unique<child_process>(std::move(args));
  auto ready = coordinator->wait_for_line("ready on", 30s);
  INFO(coordinator->output());
  REQUIRE(ready);
  // The digits after "ready on HOST:" (a JSON log line has more after them).
  auto at = ready->find("ready on ");
  auto digits = ready->substr(ready->find(':', at) + 1);
  address = "127.0.0.1:"
            + digits.substr(0, digits.find_first_not_of("0123456789"));
}

void local_cluster::restart_coordinator() {
  start_coordinator(address.substr(address.rfind(':') + 1));
}

void local_cluster::stop() {
  for (auto& w : workers) {
    auto code = w->stop(SIGTERM, 30s);
    INFO(w->output());
    CHECK(code == 0);
  }
  auto code = coordinator->stop(SIGTERM, 30s);
  INFO(coordinator->output());
  CHECK(code == 0);
}

} // namespace fovea::test
