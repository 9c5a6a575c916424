// Runs one job from a client's side to its end, for `submit` and `classify`
// alike: walk the inputs, stream them through a client actor, write the
// results file, show progress on a terminal, print the summary line.
#pragma once

#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/client.hpp"

namespace fovea {

struct job_request {
  std::vector<std::string> inputs; ///< files, directories, .txt lists
  std::string out = "results.csv";
  std::string name;
  /// A path,label CSV: if set, score the results against it afterwards and
  /// draw the confusion matrix next to the results file.
  std::string truth;
};

/// Where the confusion picture for results file `out` goes:
/// results.csv -> results.confusion.png.
std::string confusion_png_path(const std::string& out);

/// Returns the process's exit code: 0 when every input has its row in
/// `out`, 1 when the job failed, 2 when the results file cannot be made.
int run_job(caf::actor_system& sys, const job_request& request,
            client_options options);

} // namespace fovea
