// The `fovea` binary's subcommands, one file each. Each takes the arguments
// after its name and returns the process's exit code: 0 success, 1 the work
// failed, 2 bad input (usage, config, model), before anything started.
#pragma once

#include <string>
#include <vector>

namespace fovea {

using arguments = std::vector<std::string>;

int node_main(const arguments& args);     // fovea node --config FILE
int submit_main(const arguments& args);   // fovea submit INPUT... --out F
int classify_main(const arguments& args); // fovea classify INPUT... --out F
int dataset_main(const arguments& args);  // fovea dataset NAME --out DIR
int shell_main(const arguments& args);    // fovea shell [HOST:PORT]
int run_main(const arguments& args);      // fovea run SCRIPT
int certs_main(const arguments& args);    // fovea certs DIR NAME...
int version_main(const arguments& args);  // fovea --version

} // namespace fovea
