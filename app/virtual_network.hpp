// virtual_network: the hosts of a scripted run (fovea run, --host NAME):
// one Linux network namespace per host, each joined by a veth pair to a
// private bridge in this namespace, addresses in a /24 of 10.0.0.0/8 picked
// from the runner's pid. Nodes on different hosts talk over a real network
// path instead of loopback; this process reaches them through the bridge.
//
// Everything is removed when the run ends, and also if it is interrupted:
// the teardown is kept as an `ip -batch` file that a signal handler runs.
// Needs root (CAP_NET_ADMIN) and iproute2.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fovea {

class virtual_network {
public:
  /// Remembers where to keep the teardown file; creates nothing yet.
  explicit virtual_network(std::string run_dir);
  virtual_network(const virtual_network&) = delete;
  virtual_network& operator=(const virtual_network&) = delete;
  ~virtual_network(); ///< removes the namespaces and the bridge

  /// The namespace of host `name` (created on first use), or an empty
  /// string with `problem` set.
  std::string host(const std::string& name, std::string& problem);

  /// The address of host `name` (which must exist).
  std::string address_of(const std::string& name) const;

  /// The command prefix that runs a program inside host `name`.
  std::vector<std::string> exec_prefix(const std::string& name) const;

  /// Runs the teardown now, from a signal handler (fork + exec only).
  static void tear_down_now() noexcept;

private:
  bool setup(std::string& problem);
  void record_teardown(const std::string& line);

  std::string dir_;
  std::string bridge_;
  std::string subnet_; ///< "10.A.B."
  bool ready_ = false;
  std::map<std::string, std::pair<std::string, std::string>> hosts_;
  ///< name -> {namespace, address}
};

} // namespace fovea
