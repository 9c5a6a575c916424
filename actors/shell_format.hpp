// How the shell shows the cluster: aligned tables and one-line summaries.
#pragma once

#include <string>
#include <vector>

#include "messages/cluster_view.hpp"

namespace fovea {

/// Columns padded to their widest cell, numbers right-aligned.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

std::string format_nodes(const std::vector<node_row>& nodes, int64_t now);
std::string format_jobs(const std::vector<job_row>& jobs);

/// "job 3 (nightly) running: 1200/3000 (40.0%), 2 errors, 880.1 images/s,
/// ETA 2 s"
std::string format_status(const job_row& job);

/// Totals over every worker and job.
std::string format_stats(const std::vector<node_row>& nodes,
                         const std::vector<job_row>& jobs);

/// One row per model served (name@version): workers (and how many drain),
/// slots, batches in flight, images/s, running jobs bound to it.
std::string format_models(const std::vector<node_row>& nodes,
                          const std::vector<job_row>& jobs);

/// 95 -> "1m35s", for ETAs and uptimes.
std::string format_duration(int64_t seconds);

/// Local time, and how long ago: "14:02:11 (1m35s)" today,
/// "2026-11-24 09:40 (16h22m)" before.
std::string format_since(int64_t since, int64_t now);

} // namespace fovea
