// Lines for people, from any thread, never interleaved.
#pragma once

#include <string>

namespace fovea {

/// Prints one line to stdout and flushes it: ready lines and events that
/// scripts and tests wait for.
void say(const std::string& line);

/// Prints one line to stderr: errors and warnings.
void complain(const std::string& line);

} // namespace fovea
