// The shell's flows, shared by shell.cpp (the command table and dispatch)
// and shell_flows.cpp (the commands that ask the coordinator). Inside
// actors/ only; everything here runs on the shell actor's thread.
#pragma once

#include <string>
#include <vector>

#include "actors/shell.hpp"

namespace fovea::shell_flows {

using shell_pointer = shell_actor::stateful_pointer<shell_state>;
using words = std::vector<std::string>;

/// Shows `text` to the person at the shell.
void print(shell_pointer self, const std::string& text);

/// Ends the current command, well or not.
void done(shell_pointer self, bool ok);

/// Ends the current command with the message `line`.
void fail(shell_pointer self, const std::string& line);

// The commands' entries, one per row of the command table.
void run_connect(shell_pointer self, const words& line);
void run_nodes(shell_pointer self, const words& line);
void run_jobs(shell_pointer self, const words& line);
void run_status(shell_pointer self, const words& line);
void run_wait_or_cancel(shell_pointer self, const words& line);
void run_drain(shell_pointer self, const words& line);
void run_stats(shell_pointer self, const words& line);
void run_ping(shell_pointer self, const words& line);

} // namespace fovea::shell_flows
