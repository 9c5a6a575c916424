#include "app/virtual_network.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fovea {

namespace {

constexpr const char* ip_binary = "/usr/sbin/ip";

// The teardown file of the live network, for tear_down_now(): a fixed
// buffer, so the signal handler touches no allocator.
char teardown_path[512] = {};

// Runs `ip ARGS...`; its output goes to the run's log of ip commands.
bool ip(const std::vector<std::string>& args, const std::string& log) {
  std::string command = ip_binary;
  for (auto& a : args)
    command += " " + a;
  command += " >>" + log + " 2>&1";
  return std::system(command.c_str()) == 0;
}

} // namespace

virtual_network::virtual_network(std::string run_dir)
  : dir_(std::move(run_dir)) {
  auto pid = static_cast<unsigned>(::getpid());
  bridge_ = "fvbr" + std::to_string(pid % 100000);
  // 10.A.B.0/24 with A in 200..249: away from the usual 10.0-10.199 ranges.
  subnet_ = "10." + std::to_string(200 + pid % 50) + "."
            + std::to_string(pid / 50 % 256) + ".";
}

virtual_network::~virtual_network() {
  if (!ready_)
    return;
  std::string log = dir_ + "/network.log";
  for (auto& [name, host] : hosts_)
    ip({"netns", "del", host.first}, log);
  ip({"link", "del", bridge_}, log);
  teardown_path[0] = '\0';
  std::remove((dir_ + "/network.teardown").c_str());
}

void virtual_network::record_teardown(const std::string& line) {
  // Namespaces first (their veth ends go with them), then the bridge: the
  // bridge line is rewritten last each time.
  std::ofstream out{dir_ + "/network.teardown", std::ios::trunc};
  for (auto& [name, host] : hosts_)
    out << "netns del " << host.first << "\n";
  out << line << "\n";
}

bool virtual_network::setup(std::string& problem) {
  if (ready_)
    return true;
  if (::geteuid() != 0) {
    problem = "--host needs root to create network namespaces; run as "
              "root, or without --host";
    return false;
  }
  if (::access(ip_binary, X_OK) != 0) {
    problem = "--host needs iproute2's ip (apt-get install iproute2)";
    return false;
  }
  auto log = dir_ + "/network.log";
  if (!ip({"link", "add", bridge_, "type", "bridge"}, log)
      || !ip({"addr", "add", subnet_ + "1/24", "dev", bridge_}, log)
      || !ip({"link", "set", bridge_, "up"}, log)) {
    ip({"link", "del", bridge_}, log);
    problem = "cannot create bridge " + bridge_ + " (see " + log + ")";
    return false;
  }
  ready_ = true;
  auto path = dir_ + "/network.teardown";
  std::snprintf(teardown_path, sizeof(teardown_path), "%s", path.c_str());
  record_teardown("link del " + bridge_);
  return true;
}

std::string virtual_network::host(const std::string& name,
                                  std::string& problem) {
  if (auto found = hosts_.find(name); found != hosts_.end())
    return found->second.first;
  // The name becomes part of a namespace name and of ip's command line.
  if (name.empty() || name.size() > 20
      || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
           != std::string::npos) {
    problem = "host names are 1-20 letters, digits or '-'";
    return {};
  }
  if (!setup(problem))
    return {};
  if (hosts_.size() >= 200) {
    problem = "too many hosts";
    return {};
  }
  auto n = hosts_.size() + 2; // .1 is the bridge
  auto pid = std::to_string(::getpid() % 100000);
  auto ns = "fovea-" + pid + "-" + name;
  auto outside = "fv" + pid + "o" + std::to_string(n);
  auto inside = "fv" + pid + "i" + std::to_string(n);
  auto address = subnet_ + std::to_string(n);
  auto log = dir_ + "/network.log";
  hosts_[name] = {ns, address};
  record_teardown("link del " + bridge_);
  bool ok = ip({"netns", "add", ns}, log)
            && ip({"link", "add", outside, "type", "veth", "peer", "name",
                   inside},
                  log)
            && ip({"link", "set", inside, "netns", ns}, log)
            && ip({"link", "set", outside, "master", bridge_, "up"}, log)
            && ip({"-n", ns, "link", "set", "lo", "up"}, log)
            && ip({"-n", ns, "addr", "add", address + "/24", "dev", inside},
                  log)
            && ip({"-n", ns, "link", "set", inside, "up"}, log);
  if (!ok) {
    problem = "cannot create host " + name + " (see " + log + ")";
    return {};
  }
  return ns;
}

std::string virtual_network::address_of(const std::string& name) const {
  return hosts_.at(name).second;
}

std::vector<std::string>
virtual_network::exec_prefix(const std::string& name) const {
  return {ip_binary, "netns", "exec", hosts_.at(name).first};
}

void virtual_network::tear_down_now() noexcept {
  if (teardown_path[0] == '\0')
    return;
  auto pid = ::fork();
  if (pid == 0) {
    ::execl(ip_binary, "ip", "-force", "-batch", teardown_path,
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid > 0)
    ::waitpid(pid, nullptr, 0);
}

} // namespace fovea
