// A local cluster of real processes for integration tests: a coordinator
// on a free loopback port and N workers, from the shipped configs, each
// waited on by its ready line.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace fovea::test {

struct local_cluster {
  std::unique_ptr<child_process> coordinator;
  std::vector<std::unique_ptr<child_process>> workers; ///< ids w1, w2, ...
  std::string address; ///< 127.0.0.1:PORT of the coordinator

  /// Starts the nodes; REQUIREs that each printed its ready line.
  explicit local_cluster(int worker_count);

  /// Stops workers, then the coordinator, with SIGTERM; CHECKs that each
  /// exited 0.
  void stop();
};

} // namespace fovea::test
