// online_requests: the inference requests a coordinator has taken and not
// yet answered. A plain class: no actors, no clocks of its own (callers
// pass `now`); tests/jobs/online_requests.test.cpp.
//
// Each model's requests form one online job of the scheduler's (ids from
// `first_job` up, never a job table's): its tasks go before the jobs'
// batches there, within the scheduler's bound.
//
// Guarantees:
// - the requests held never number more than `max_requests`, nor more than
//   `max_per_principal` of one principal, and their images never take more
//   than `max_bytes` (each task charged its bytes and path, and at least
//   `task_floor`); a request past any of these is refused at once, saying
//   which, never queued: the caller answers it 503 or 429;
// - an admitted request's tasks get (job, index) pairs no other task has:
//   its model's online job, and indices counted up, never reused;
// - a request is finished once: by its last row, or by its deadline
//   (expire), or dropped (its client went); a row for a request that is
//   gone, or for an input that already has its row, is ignored, and
//   pending() then says the scheduler may skip that input;
// - what a finished or dropped request held comes back at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "messages/image_task.hpp"
#include "messages/online.hpp"
#include "messages/prediction.hpp"

namespace fovea {

struct online_limits {
  uint64_t max_bytes = 64u << 20; ///< 0: online requests are off
  size_t max_requests = 1024;
  size_t max_per_principal = 256;
  uint64_t task_floor = 4096; ///< the least a task is charged
};

class online_requests {
public:
  using clock = std::chrono::steady_clock;

  /// The first online job's id: far above any job table's.
  static constexpr uint64_t first_job = first_online_job;

  static bool is_online(uint64_t job) noexcept { return is_online_job(job); }

  explicit online_requests(online_limits limits = {}) : limits_(limits) {}

  const online_limits& limits() const noexcept { return limits_; }

  enum class refusal { none, full, quota, duplicate };

  struct admission {
    refusal why = refusal::none;
    std::string reason; ///< when refused: for the client
    uint64_t job = 0;   ///< when admitted: the model's online job
    bool new_job = false; ///< the model's first request: add its job
  };

  /// Takes request `key` of `principal` for the model `digest` (its
  /// SHA-256), arriving `now`, answered by `deadline`: on admission, each
  /// of `tasks` gets its job and index.
  admission admit(uint64_t key, const std::string& principal,
                  const std::string& digest, std::vector<image_task>& tasks,
                  clock::time_point now, clock::time_point deadline);

  struct finished {
    uint64_t key;
    std::vector<prediction> rows; ///< one per task, in the request's order
    clock::time_point admitted;
  };

  /// A task (job, index) went to a worker `now`: how long its request
  /// waited, if this is the request's first task sent.
  std::optional<clock::duration> dispatched(uint64_t job, uint64_t index,
                                            clock::time_point now);

  /// A row came for (row.job, row.index): the request it finishes, if any.
  std::optional<finished> record(prediction row);

  /// True while the input still waits for its row.
  bool pending(uint64_t job, uint64_t index) const;

  /// Removes the requests whose deadline is past; returns their keys.
  std::vector<uint64_t> expire(clock::time_point now);

  /// Forgets request `key` (its client went); false if it had none.
  bool drop(uint64_t key);

  size_t requests() const noexcept { return requests_.size(); }
  uint64_t held_bytes() const noexcept { return bytes_; }

private:
  using task_key = std::pair<uint64_t, uint64_t>; ///< job, index

  struct request {
    std::string principal;
    uint64_t job = 0;
    uint64_t first = 0; ///< its tasks' indices: first, first + 1, ...
    std::vector<prediction> rows;
    std::vector<bool> have;
    size_t missing = 0;
    uint64_t charge = 0;
    clock::time_point admitted;
    clock::time_point deadline;
    bool sent = false; ///< a task of it went to a worker
  };

  /// The request (by key) whose task (job, index) is, if any.
  const uint64_t* key_of(uint64_t job, uint64_t index) const;

  void remove(std::unordered_map<uint64_t, request>::iterator it);

  online_limits limits_;
  std::unordered_map<uint64_t, request> requests_; ///< by key
  /// Each request's first task, to find the request of a row.
  std::map<task_key, uint64_t> firsts_;
  std::map<std::string, uint64_t> jobs_; ///< model digest -> online job
  std::map<std::string, size_t> per_principal_;
  std::map<uint64_t, uint64_t> next_index_; ///< online job -> next index
  uint64_t bytes_ = 0;
};

} // namespace fovea
