// script_run: the verbs of `fovea run` that are not shell commands (start,
// wait-ready, wait-rows, kill, stop, sleep, expect, tls), and the shell's for the rest.
// It owns the nodes a script starts: all are stopped when it goes away,
// workers first.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "app/node_process.hpp"
#include "app/run_tls.hpp"
#include "app/shell_driver.hpp"
#include "app/virtual_network.hpp"

namespace fovea {

class script_run {
public:
  using words = std::vector<std::string>;

  script_run(caf::actor_system& sys, std::filesystem::path dir,
             std::shared_ptr<route_table> routes, std::optional<run_tls> tls);

  ~script_run();

  /// Runs one line's words; an empty string if it worked, else why not.
  std::string line(const words& w);

  const std::filesystem::path& dir() const { return dir_; }

private:
  std::string start(const words& w);

  std::string node_verb(const words& w);

  std::string expect(const words& w);

  /// Waits until a job has at least N rows, asking its coordinator.
  std::string wait_rows(const words& w);

  /// What the last job's results file holds, read back from the disk.
  std::string expect_rows(const words& w);

  std::filesystem::path dir_;
  shell_driver shell_;
  std::map<std::string, std::unique_ptr<node_process>> nodes_;
  std::vector<std::string> order_; ///< start order
  std::string coordinator_address_;
  bool coordinator_on_host_ = false;
  std::optional<virtual_network> network_; ///< with the first --host
  std::optional<run_tls> tls_; ///< every node's certificate, if TLS
};

} // namespace fovea
