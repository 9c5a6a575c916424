// status_json: the status API's answers (/api/v1/...) as JSON, from the
// rows the coordinator gives the shell.
//
// Guarantees:
// - every string (node and job names, models, paths, notes: arbitrary
//   text from clients and workers) is a JSON string, escaped by the JSON
//   library; `<`, `>` and `&` are escaped too (\u003c...), so a body read
//   as HTML by mistake holds no markup;
// - numbers are finite: a rate that is not becomes 0;
// - the shapes are the ones docs/status.md documents, field for field.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/status_snapshot.hpp"
#include "messages/cluster_view.hpp"
#include "messages/online.hpp"

namespace fovea {

/// {"nodes": [{"id", "role", "host", "address", "model", "state", ...}]}
std::string nodes_json(const std::vector<node_row>& nodes);

/// {"jobs": [{"id", "name", "owner", "model", "state", "total", "done",
/// "errors", "rate", "eta_seconds", ...}]}
std::string jobs_json(const std::vector<job_row>& jobs);

/// {"models": [{"name", "version", "classes", "workers", "jobs_running"}]}
/// with, per name@version, the running jobs bound to it.
std::string models_json(const std::vector<served_model>& models,
                        const std::vector<job_row>& jobs);

/// {"tasks", "tasks_limit", "bytes", "bytes_limit", "batches_in_flight",
/// "online_requests", "online_bytes"}: whole numbers (queue_view).
std::string queue_json(const queue_view& queue);

/// Everything the page shows, in one answer: {"nodes": [...], "jobs":
/// [...], "models": [...], "queue": {...}, "events": [...], "last": N},
/// each as its own answer has it, the events those after `after`.
std::string status_json(const status_snapshot& snapshot, uint64_t after);

/// {"events": [{"seq", "at_ms", "kind", "text"}], "last": N}, oldest
/// first; "last" is the number to ask after next time.
std::string events_json(const std::vector<cluster_event>& events,
                        uint64_t after);

/// {"job": id, "state": "cancelled", "rows": rows}
std::string cancelled_json(uint64_t job, uint64_t rows);

/// {"worker": id, "state": "draining"}
std::string drain_started_json(const std::string& worker);

/// The running jobs bound to each name@version, by "name@version".
std::map<std::string, uint64_t>
running_jobs_by_model(const std::vector<job_row>& jobs);

/// {"error": why}
std::string error_json(const std::string& why);

/// The seconds a running job needs at its rate for the rest, or -1 when
/// that cannot be told (not running, no rate yet).
double eta_seconds(const job_row& job);

/// `text` with `<`, `>` and `&` as \u003c, \u003e and \u0026: valid JSON
/// either way, inert as HTML.
std::string html_safe_json(std::string text);

} // namespace fovea
