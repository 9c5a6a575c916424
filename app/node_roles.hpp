// The two roles `fovea node` runs, each from a checked config: a
// coordinator (node.cpp) and a worker (node_worker.cpp). Each prints one
// ready line, runs until SIGINT or SIGTERM (a worker drains on the first)
// and returns the process's exit code.
#pragma once

#include "app/fovea_config.hpp"

namespace fovea {

int run_coordinator(fovea_config& cfg);

int run_worker(fovea_config& cfg);

} // namespace fovea
