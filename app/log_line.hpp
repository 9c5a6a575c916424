// log_line: a node's human log line as one JSON object, for journald/ELK
// users (fovea.log-format = "json").
//
// Guarantees: the output is one line of valid JSON (every string escaped,
// control characters as \uXXXX, bytes that are not UTF-8 replaced), with
// time (UTC, ISO 8601, milliseconds), level, node, event and message, and
// fields with the job's id and name and the worker's id where the line
// names them. The event is one of a fixed set of names, read off the line
// by the phrases the node's actors print (see log_line.cpp); a line none of
// them matches is event "log". The human line itself is kept whole in
// message, so nothing is lost when an event is not recognised.
#pragma once

#include <chrono>
#include <string>

namespace fovea {

enum class log_level { info, warning, error };

struct log_event {
  std::string event = "log";
  std::string job_id;   ///< "" when the line names no job
  std::string job_name;
  std::string worker;   ///< "" when the line names no worker
};

/// What the line says happened (its event, and the job or worker named).
log_event classify_log_line(const std::string& line);

/// The JSON object for `line`, printed by `node` at `when`.
std::string json_log_line(const std::string& line, log_level level,
                          const std::string& node,
                          std::chrono::system_clock::time_point when);

} // namespace fovea
