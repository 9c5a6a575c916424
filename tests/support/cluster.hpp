// A local cluster of real processes for integration tests: a coordinator
// on a free loopback port and N workers, from the shipped configs, each
// waited on by its ready line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace fovea::test {

/// The port of a HOST:PORT address.
uint16_t port_of(const std::string& address);

/// `fovea submit`'s arguments: `images` to the coordinator at `address`,
/// rows into `out`, as job `job` if one is named.
std::vector<std::string> submit_args(const std::string& address,
                                     const std::filesystem::path& images,
                                     const std::filesystem::path& out,
                                     const std::string& job = {});

struct local_cluster {
  std::unique_ptr<child_process> coordinator;
  std::vector<std::unique_ptr<child_process>> workers; ///< ids w1, w2, ...
  std::string address; ///< 127.0.0.1:PORT of the coordinator
  std::vector<std::string> coordinator_args; ///< extra --fovea.KEY=VALUE
  /// With TLS: the folder of `fovea certs` with coord.pem, w1.pem, ...
  std::string pki;

  /// Starts the nodes; REQUIREs that each printed its ready line. The
  /// extra arguments (--fovea.KEY=VALUE) go to the coordinator and to
  /// every worker. With `pki`, every node talks TLS with its certificate
  /// from there (the coordinator's named coord, the workers' w1, w2, ...).
  explicit local_cluster(int worker_count,
                         std::vector<std::string> coordinator_args = {},
                         const std::vector<std::string>& worker_args = {},
                         std::string pki = {});

  /// --fovea.certificate=... --fovea.key=... --fovea.ca=... of `name` in
  /// `pki` (none without).
  std::vector<std::string> tls_flags(const std::string& name) const;

  /// Starts the coordinator again on the same port, after it died.
  void restart_coordinator();

  /// Starts one more worker, with the next id, and REQUIREs its ready line.
  child_process& add_worker(const std::vector<std::string>& worker_args = {});

  /// Stops workers, then the coordinator, with SIGTERM; CHECKs that each
  /// exited 0.
  void stop();

private:
  void start_coordinator(const std::string& port);
  child_process& start_worker(const std::vector<std::string>& worker_args);

  int workers_started_ = 0; ///< ids are never reused, even after erase
};

} // namespace fovea::test
