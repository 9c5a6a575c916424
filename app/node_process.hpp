// node_process: a `fovea node` started by a script (fovea run), its output
// in a log file, never outliving the runner: it dies with the runner
// (PR_SET_PDEATHSIG), is killed if the runner is interrupted, and is
// stopped when the script ends.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fovea {

class node_process {
public:
  /// Starts this binary with `args` (after the program name), output to
  /// `log`, through `prefix` if given (`ip netns exec NS`, say). Check
  /// started() afterwards.
  node_process(std::string name, const std::vector<std::string>& args,
               std::string log, const std::vector<std::string>& prefix = {});
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;
  ~node_process(); ///< stops it if it still runs

  bool started() const noexcept { return pid_ > 0; }
  const std::string& name() const noexcept { return name_; }
  const std::string& log() const noexcept { return log_; }

  /// Waits for a line containing `text` in the log; returns the line, or
  /// nothing if the node ended or `timeout` passed first.
  std::optional<std::string> wait_for_line(const std::string& text,
                                           std::chrono::seconds timeout);

  void signal(int signal);

  /// SIGTERM, then SIGKILL if it has not ended within `grace`; returns its
  /// exit code (128 + signal if a signal ended it).
  int stop(std::chrono::seconds grace);

  /// True while it runs (reaps it once it ended).
  bool running();

  /// Kills every node started by this process at once (SIGKILL) and reaps
  /// them. Safe in a signal handler: an interrupted run leaves no process
  /// behind.
  static void kill_all_now() noexcept;

private:
  std::string name_;
  std::string log_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

} // namespace fovea
