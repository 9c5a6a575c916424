// Runs one job from a client's side to its end, for `submit` and `classify`
// alike: walk the inputs, stream them through a client actor, write the
// results file, show progress on a terminal, print the summary line.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/client.hpp"
#include "app/command_line.hpp"
#include "app/fovea_config.hpp"
#include "app/subcommands.hpp"
#include "jobs/job_flags.hpp"

namespace fovea {

struct job_request {
  std::vector<std::string> inputs; ///< files, directories, .txt lists
  std::string out = "results.csv";
  std::string name;
  /// The model the job runs on, "NAME" or "NAME@VERSION" (empty: the one
  /// the cluster serves); `fovea submit --model`.
  std::string model;
  /// Classes each row ranks in a top_k column (`--top-k`; 0: no column).
  uint32_t top_k = 0;
  std::string top_k_flag; ///< as given, checked by job_flags_problem
  /// Rows in the order of the inputs (`--order input`), not as they come.
  bool input_order = false;
  std::string order_flag; ///< as given, checked by job_flags_problem
  /// A path,label CSV: if set, score the results against it afterwards and
  /// draw the confusion matrix next to the results file.
  std::string truth;
  bool list_skipped = false; ///< name the files the walk left out
  /// Local paths are on a file system every worker mounts (`--shared`):
  /// they go as references, and workers read them.
  bool shared = false;
};

/// How `command`'s flags parse, from their one declaration (job_flags).
flag_spec job_flag_spec(job_command command);

/// Reads a job subcommand's arguments (the flags job_flags gives
/// `command`; the ones only it has are left in `line`) and configures
/// `cfg`. On a problem it prints it with the usage and returns nothing:
/// exit with 2. Every argument is checked before anything starts. (main
/// answers --help before this runs.)
std::optional<job_request> read_job_command(job_command command,
                                            const arguments& args,
                                            fovea_config& cfg,
                                            command_line& line);

/// What is wrong with the request's --model, --top-k, --order or --truth
/// (a file that cannot be read or is no path,label file), or the empty
/// string; reads --top-k into top_k and --order into input_order.
std::string job_flags_problem(job_request& request);

/// The job a parsed command line asks for: its positional inputs and the
/// --out, --job and --truth flags.
job_request job_request_from(const command_line& line);

/// Where the confusion picture for results file `out` goes:
/// results.csv -> results.confusion.png.
std::string confusion_png_path(const std::string& out);

/// What a finished job came to, for scripts that check it (fovea run).
struct job_summary {
  std::string out; ///< the results file
  uint64_t rows = 0;
  uint64_t errors = 0;
  std::optional<double> accuracy; ///< with --truth
};

/// Returns the process's exit code: 0 when every input has its row in
/// `out`, 1 when the job failed, 2 when the results file cannot be made.
/// Fills `summary`, if given, when the job finished.
int run_job(caf::actor_system& sys, const job_request& request,
            client_options options, job_summary* summary = nullptr);

/// Ends a job that run_job runs, from any thread, for a reason of the
/// caller's (`fovea classify`: a model that failed to load after its job
/// started): run_job stops the client, removes the partial results file,
/// prints nothing and returns 2; whoever stopped it says why. A stop before
/// run_job starts ends the job as soon as it does.
class job_stop {
public:
  void stop();
  bool stopped() const;

  /// run_job's: `on_stop` runs at once if stopped already, else on stop()
  /// (on that thread) until detach(), which waits for a running on_stop.
  void attach(std::function<void()> on_stop);
  void detach();

private:
  mutable std::mutex lock_;
  bool stopped_ = false;
  std::function<void()> on_stop_;
};

/// The same, with the request's inputs already counted (walk_inputs of
/// request.inputs): `fovea classify` counts them while its models load,
/// and may stop the job (`stop`) if one fails to.
int run_job(caf::actor_system& sys, const job_request& request,
            walked_inputs walked, client_options options,
            job_summary* summary = nullptr, job_stop* stop = nullptr);

} // namespace fovea
