// shell_driver: runs shell commands to their end, one at a time, for the
// two front ends that speak the shell's language: `fovea shell` (a person
// at a terminal, or a pipe) and `fovea run` (a script). Commands go to the
// shell actor; `submit` runs the job from this process; the driver waits
// for each command and tells whether it worked. `submit --detach` runs the
// job on a thread of its own; `wait JOB` then also waits for its results
// file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/shell.hpp"
#include "app/job_runner.hpp"

namespace fovea {

/// Words of a command line; "double quotes" keep spaces in a path.
std::vector<std::string> split_words(const std::string& line);

class shell_driver {
public:
  /// Connects through `routes` (the process's edge; null: CAF directly).
  shell_driver(caf::actor_system& sys, std::shared_ptr<route_table> routes);
  ~shell_driver();
  shell_driver(const shell_driver&) = delete;
  shell_driver& operator=(const shell_driver&) = delete;

  /// Runs one command (its words) and waits for its end; true if it worked.
  bool execute(const std::vector<std::string>& words);

  /// Ends the shell actor: no more commands, and no complaint when the
  /// coordinator goes away (a script stopping its cluster, say).
  void close();

  /// The last job `submit` finished, or the one `wait N` waited for, for
  /// `expect` lines.
  std::optional<job_summary> last_job();

  /// The rows of the last `nodes` command.
  std::vector<node_row> last_nodes();

  /// The ids of the connected coordinator's workers, and of its running and
  /// recent jobs, asked now (for tab completion); none if it does not answer.
  std::vector<std::string> worker_ids();
  std::vector<std::string> job_ids();

  /// The coordinator's running and recent jobs, asked now; none if it does
  /// not answer within a second.
  std::vector<job_row> jobs();

  /// The ids of the jobs running now; none if the coordinator does not
  /// answer within a second.
  std::vector<std::string> running_job_ids();

private:
  // A `submit --detach` running on its own thread.
  struct background_job {
    std::shared_ptr<std::atomic<uint64_t>> id; ///< 0 until the job opened
    std::thread thread;
    /// Set by the thread if the job succeeded; read after joining it.
    std::shared_ptr<std::optional<job_summary>> summary;
  };

  bool submit(const std::vector<std::string>& words);

  coordinator_actor coordinator();

  /// Joins the detached submit of job `id`, if any, and makes its summary
  /// the one `expect` lines refer to.
  void join_background(uint64_t id);

  std::vector<background_job> background_;

  caf::actor_system& sys_;
  shell_actor actor_;
  coordinator_actor coordinator_; ///< as of the last command's end
  std::optional<job_summary> last_job_;
  // Filled on the shell actor's thread, read here after each command.
  std::mutex mutex_;
  std::condition_variable changed_;
  bool ready_ = false;
  bool ok_ = false;
  std::vector<node_row> nodes_;
};

} // namespace fovea
