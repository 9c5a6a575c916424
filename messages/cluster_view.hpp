// What a coordinator reports about its cluster, for operators (fovea shell,
// fovea run, the status page): one row per node, one row per job, its queue
// and its recent events. Plain numbers; the readers do the formatting.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

namespace fovea {

enum class node_role : uint8_t { coordinator, worker };

/// running until it ends in one of the others; the last jobs that ended
/// stay listed with their final state.
enum class job_state : uint8_t {
  running,
  finished,
  failed,    ///< its journal could not be written
  cancelled, ///< by an operator
  paused,    ///< its client went away; its journal keeps what it had
  dropped,   ///< its client went away, and it had no journal
};

inline const char* to_string(node_role x) {
  return x == node_role::coordinator ? "coordinator" : "worker";
}

inline const char* to_string(job_state x) {
  constexpr const char* names[] = {"running", "finished", "failed",
                                   "cancelled", "paused", "dropped"};
  return names[static_cast<uint8_t>(x)];
}

namespace detail {

// Reads an enum as its number, refusing numbers it has no name for: a
// message from another node is never trusted to hold a valid value.
template <class Enum, Enum Last>
struct enum_field {
  Enum& target;
  uint8_t value = static_cast<uint8_t>(target);
  auto check() {
    return caf::meta::load_callback([this]() -> caf::error {
      if (value > static_cast<uint8_t>(Last))
        return caf::make_error(caf::sec::invalid_argument);
      target = static_cast<Enum>(value);
      return caf::none;
    });
  }
};

} // namespace detail

struct node_row {
  std::string id;
  node_role role = node_role::worker;
  std::string host;  ///< the machine it runs on
  /// host:port it is reached at (a coordinator) or connects from (a worker,
  /// as its coordinator sees the connection); empty if not known
  std::string address;
  std::string model; ///< name and version (workers)
  uint32_t slots = 0;     ///< the most batches it accepts at once
  uint32_t credit = 0;    ///< batches it may hold now: sized to its round trip
  uint32_t in_flight = 0; ///< batches held now
  uint64_t done = 0;      ///< results recorded from it
  double rate = 0;        ///< results per second, recently
  int64_t up_since = 0;   ///< unix seconds: registered (or started)
  bool draining = false;
  /// Of `rate`, inference requests' images (app/oip_routes.hpp) per second.
  double online_rate = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_row& x) {
  detail::enum_field<node_role, node_role::worker> role{x.role};
  return f(caf::meta::type_name("node_row"), x.id, role.value, role.check(),
           x.host, x.address, x.model, x.slots, x.credit, x.in_flight, x.done, x.rate,
           x.up_since, x.draining, x.online_rate);
}

struct job_row {
  uint64_t id = 0;
  std::string name;
  job_state state = job_state::running;
  uint64_t total = 0;
  uint64_t done = 0;   ///< inputs with their row
  uint64_t errors = 0; ///< of those, error rows
  double rate = 0;     ///< rows per second since it opened
  double share = 0;    ///< of the tasks in flight now, this job's fraction
  int64_t started = 0; ///< unix seconds
  double seconds = 0;  ///< wall time so far (or in all, once ended)
  std::string model;   ///< name@version it runs on; empty until chosen
  std::string note;    ///< why it waits (no worker serves its model)
  /// Who opened it: a certificate's name, or, without one, the client's
  /// connection; "local" for a client in the coordinator's process.
  std::string owner;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_row& x) {
  detail::enum_field<job_state, job_state::dropped> state{x.state};
  return f(caf::meta::type_name("job_row"), x.id, x.name, state.value,
           state.check(), x.total,
           x.done, x.errors, x.rate, x.share, x.started, x.seconds, x.model,
           x.note, x.owner);
}

/// The coordinator's queue against its limits: what clients may still send
/// before they wait for credit (jobs/scheduler.hpp).
struct queue_view {
  uint64_t tasks = 0;       ///< inputs queued, not yet in a batch
  uint64_t tasks_limit = 0; ///< fovea.max-queued-tasks
  /// Image bytes held for jobs: queued and in batches not yet answered.
  uint64_t bytes = 0;
  uint64_t bytes_limit = 0; ///< fovea.max-queued-bytes
  uint64_t batches_in_flight = 0;
  uint64_t online_requests = 0; ///< inference requests not yet answered
  uint64_t online_bytes = 0;    ///< their image bytes
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_view& x) {
  return f(caf::meta::type_name("queue_view"), x.tasks, x.tasks_limit,
           x.bytes, x.bytes_limit, x.batches_in_flight, x.online_requests,
           x.online_bytes);
}

/// What happened, for the status page's log of recent events.
enum class event_kind : uint8_t {
  worker_joined,
  worker_draining,
  worker_left,    ///< drained
  worker_lost,    ///< gone or given up on; its batches are retried
  batch_retried,  ///< failed or overdue on a worker, sent to another
  poison,         ///< an input failed alone on every attempt
  job_opened,
  job_paused,     ///< its inputs' store does not answer
  job_ended,      ///< finished, failed, cancelled, paused or dropped
};

inline const char* to_string(event_kind x) {
  constexpr const char* names[] = {"worker-joined", "worker-draining",
                                   "worker-left",   "worker-lost",
                                   "batch-retried", "poison",
                                   "job-opened",    "job-paused",
                                   "job-ended"};
  return names[static_cast<uint8_t>(x)];
}

struct cluster_event {
  uint64_t seq = 0; ///< 1, 2, ...: one more per event, never reused
  int64_t at_ms = 0; ///< unix milliseconds
  event_kind kind = event_kind::worker_joined;
  std::string text; ///< the coordinator's log line for it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_event& x) {
  detail::enum_field<event_kind, event_kind::job_ended> kind{x.kind};
  return f(caf::meta::type_name("cluster_event"), x.seq, x.at_ms, kind.value,
           kind.check(), x.text);
}

} // namespace fovea
