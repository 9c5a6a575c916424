// What a coordinator accepts from the network, checked before it allocates
// or stores anything: every message from a worker or client passes one of
// these first, and a message that fails gets an error reply (or, from a
// worker, counts as a failed batch) instead of reaching the job's state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "messages/image_task.hpp"
#include "messages/job_spec.hpp"
#include "messages/prediction.hpp"
#include "messages/worker_info.hpp"

namespace fovea {

/// The longest strings a coordinator takes: past these, a message is
/// refused (a path is a file system's longest; the others are generous).
struct text_limits {
  static constexpr size_t id = 100;    ///< worker ids, job names
  static constexpr size_t host = 255;  ///< host names
  static constexpr size_t model = 200; ///< "name@version"
  static constexpr size_t path = 4096;
  static constexpr size_t error = 1024;
  static constexpr size_t class_name = 256;
  /// An object's version as a worker read it (an ETag; size and time).
  static constexpr size_t source_version = 256;
  /// Classes a worker's model may declare: far past any classifier's
  /// (ImageNet-21k has 21,841), and small enough that nothing sized by it
  /// is large.
  static constexpr uint32_t max_classes = 100'000;
  /// A model's input side, in pixels.
  static constexpr uint32_t max_side = 16384;
};

/// Limits a coordinator's operator sets (fovea.max-*).
struct coordinator_limits {
  uint64_t max_job_inputs = 10'000'000;
  uint32_t max_top_k = 100; ///< ranked classes per row
  size_t max_open_jobs = 64;
  size_t max_jobs_per_client = 8;
  size_t max_waiters = 256; ///< pending `wait` requests, in all
  size_t max_tasks_per_enqueue = 1024;
  uint32_t max_slots = 256; ///< credit one worker may ask for
};

/// Why a worker's registration is refused (wrong_version or
/// invalid_request), or none.
caf::error check_worker_info(const worker_info& info,
                             const coordinator_limits& limits);

/// Why a job is refused (wrong_version, invalid_request, over_limit), or
/// none.
caf::error check_job_spec(const job_spec& spec,
                          const coordinator_limits& limits);

/// Why a batch of a client's tasks for job `job` of `total` inputs is
/// refused (invalid_request), or none.
caf::error check_tasks(const std::vector<image_task>& tasks, uint64_t job,
                       uint64_t total, const coordinator_limits& limits);

/// Why a worker's answer to `tasks` is not one (one prediction per task, in
/// order; labels below `classes`; scores finite in [0, 1]; bounded
/// strings), or "". On "", `rows` carries the tasks' paths and attempts
/// and `worker` as its producer: what the worker echoed is not trusted.
std::string check_answer(std::vector<prediction>& rows,
                         const std::vector<image_task>& tasks, uint32_t classes,
                         const std::string& worker);

} // namespace fovea
