// Lines for people, from any thread, never interleaved; or, for a node with
// fovea.log-format = "json", one JSON object per line (app/log_line.hpp).
#pragma once

#include <string>

namespace fovea {

/// Prints one line to stdout and flushes it: ready lines and events that
/// scripts and tests wait for.
void say(const std::string& line);

/// Prints one line to stderr: errors and warnings.
void complain(const std::string& line);

/// From now on say() and complain() print JSON objects naming `node` (call
/// before the node's threads start; set_log_node may rename it later).
void use_json_log(const std::string& node);

/// The node the JSON lines name (a worker learns its name from its
/// certificate after its first lines).
void set_log_node(const std::string& node);

} // namespace fovea
