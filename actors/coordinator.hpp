// The coordinator actor: owns jobs and hands their tasks to workers.
//
// Guarantees:
// - every input of a job is reported to its client exactly once: the first
//   result recorded wins (job_ledger), later ones are dropped;
// - a worker never holds more than `slots` batches at once (its credit), so
//   a slow worker is not flooded and a fast one comes back for more sooner;
// - the scheduler (jobs/scheduler.hpp) decides who gets what: jobs share
//   the workers round-robin; a batch late past `task_timeout` is copied to
//   another worker and its late answer still counts; tasks of a failed or
//   lost worker are retried as suspects, alone, and only an input that
//   fails while alone on a worker `max_attempts` times is "poison"; a
//   worker silent past `hang_timeout` with an overdue batch is let go;
// - the tasks it holds (queued, in flight, not yet recorded) never cost more
//   than `max_queued_bytes` in all (jobs/credit_ledger.hpp): a client sends
//   only within the credit granted to its job, a task being charged its
//   bytes and path and never less than max_queued_bytes / max_queued_tasks;
//   an enqueue past its credit is refused (and a remote client that sends
//   one is cut off), never held; credit comes back as rows are recorded and
//   jobs end, and goes to the jobs that asked, in the order they asked;
// - no message is trusted: each handler checks who sent it (access.hpp)
//   and what it says (message_checks.hpp) before it allocates or stores,
//   and answers a bad one with an error; a worker's answer that is not one
//   counts as a failed batch;
// - every job runs on one model (jobs/model_binding.hpp): the one it names,
//   its newest version served when it opens, or for a resumed job the
//   model.pt its journal began with; its tasks go only to workers serving
//   exactly that model. A job naming no model in a cluster serving several
//   model names is refused; one whose model no worker serves waits, and
//   fails after `model_wait` (also once chosen, if every worker of its
//   model went away). A worker serving a name@version that another
//   registered worker serves from another model.pt is refused;
// - a draining worker gets no new work and is let go once it has answered
//   every batch it holds;
// - with a journal directory, a named job's results are journaled as they
//   are recorded (synced every `journal_sync`). Submitting the same name
//   again after a crash of the coordinator or of the client resumes it, on
//   the model its journal names, if its files are unchanged (paths, sizes,
//   modification times); otherwise the submit is refused saying what
//   changed. Recorded results come from the journal, read a part at a
//   time, and only the rest is dispatched. Once its client says the
//   results file is committed, the journal is retired: the same name then
//   starts a new run, never serving old labels for new files. With
//   certificates, a named job and its journal belong to the certificate
//   that opened it (jobs/journal_store.hpp): another certificate runs its
//   own job of that name, and cannot resume, wait on or cancel this one
//   (an operator may cancel). Journals take at most `max_journal_bytes`,
//   and ones not written for `journal_ttl` expire, each with a log line;
// - inference requests come only from actors of its own process (the
//   node's gateway, actors/online_gateway.hpp): each runs as its model's
//   online job, whose batches go before the jobs' but take at most
//   scheduling.online_run of a worker's batches in a row while jobs wait;
//   they hold at most `online` (requests, per principal, bytes set aside
//   from max_queued_bytes), are refused at once past it, and are answered
//   once: with every image's row, or an error at their deadline; a request
//   whose client went is dropped (jobs/online_requests.hpp);
// - its deadlines (task_timeout, hang_timeout, model_wait) are read from
//   the actor system's clock, so a test on CAF's test coordinator moves
//   them by advancing time rather than by waiting.
#pragma once

#include <cstdint>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/message_checks.hpp"
#include "actors/rate_meter.hpp"
#include "edge/peer_directory.hpp"
#include "jobs/credit_ledger.hpp"
#include "jobs/event_log.hpp"
#include "jobs/job_journal.hpp"
#include "jobs/resumed_references.hpp"
#include "jobs/journal_store.hpp"
#include "jobs/job_ledger.hpp"
#include "jobs/job_table.hpp"
#include "jobs/model_binding.hpp"
#include "jobs/online_requests.hpp"
#include "jobs/scheduler.hpp"
#include "jobs/worker_registry.hpp"
#include "messages/interfaces.hpp"
#include "metrics/coordinator_metrics.hpp"

namespace fovea {

struct coordinator_options {
  std::string id = "coordinator";
  std::string host; ///< the machine it runs on, for operators
  scheduler_options scheduling; ///< batches, limits, timeouts, attempts
  uint64_t max_image_bytes = 64ull << 20; ///< larger tasks are refused
  std::string journal_dir; ///< empty: no journal, jobs live in memory only
  /// Journals (running jobs' aside) past this many bytes in all: a new
  /// named job is refused until old ones expire or are committed.
  uint64_t max_journal_bytes = 8ull << 30;
  /// Journals not written for this long (paused, or never committed) are
  /// removed.
  caf::timespan journal_ttl = std::chrono::hours(24 * 7);
  /// Who is behind each remote node (the edge); null: only this process's
  /// actors are trusted, remote senders are refused.
  std::shared_ptr<const peer_directory> peers;
  coordinator_limits limits;
  caf::timespan journal_sync = std::chrono::milliseconds(200);
  /// How long a job waits for a worker serving its model before it fails.
  caf::timespan model_wait = std::chrono::minutes(10);
  std::function<void(const std::string&)> say; ///< one line for people
  /// Inference requests (fovea.oip-*): their bytes are set aside from
  /// max_queued_bytes, which the jobs' clients share; max_bytes 0: off.
  online_limits online{.max_bytes = 0};
  /// The cluster's series on the node's /metrics; null: metrics are off.
  std::shared_ptr<coordinator_metrics> metrics;
};

/// An operator's `drain ID`, answered once every registration of that id
/// (one per model the worker serves) has drained or gone: with the results
/// they recorded.
struct drain_request {
  caf::typed_response_promise<uint64_t> promise;
  size_t pending = 0; ///< registrations still draining
  uint64_t done = 0;  ///< results of those that drained

  /// One registration is done (or lost, `recorded` = 0).
  void settle(uint64_t recorded) {
    done += recorded;
    if (--pending == 0)
      promise.deliver(done);
  }
};

struct worker_entry {
  worker_actor handle;
  worker_info info;
  model_id model; ///< info's name@version and SHA-256, read once
  /// host:port its connection comes from, as the middleman sees it; empty
  /// until that is known, and for workers in this process.
  std::string address;
  uint64_t done = 0;      ///< results recorded from this worker
  /// Set while draining: no new work; settled when in_flight reaches 0.
  std::shared_ptr<drain_request> drained;
  rate_meter rate;
  rate_meter online_rate; ///< of `rate`, inference requests' images
  int64_t up_since = unix_now();
};

struct job_entry {
  job_ledger ledger;
  client_actor client;
  std::string principal; ///< who opened it, for fovea.max-jobs-per-client
  /// The certificate that opened it, which owns it; empty without one.
  std::string owner;
  std::optional<job_journal> journal; ///< named jobs, with a journal dir
  uint64_t errors = 0; ///< error rows recorded
  int64_t opened = unix_now();
  /// By the actor system's clock (the coordinator's deadlines and waits
  /// all read it, so a test can move time).
  std::chrono::steady_clock::time_point started
    = std::chrono::steady_clock::now();
  /// Operators waiting for the job to end (fovea shell's `wait`).
  std::vector<caf::typed_response_promise<job_row>> waiters;
  model_request model_wanted;    ///< what it asked for
  std::optional<model_id> model; ///< once chosen; every row comes from it
  std::string model_note;        ///< why it waits for its model
  /// While its inputs' store does not answer: why, and how long the job's
  /// dispatch pauses before it tries again (doubling up to a limit).
  struct storage_outage {
    std::string why; ///< empty: the store answers
    caf::timespan pause{0};
    caf::actor_clock::time_point until{}; ///< no batch before then
  } storage;
  /// Since when no worker has served its (chosen) model.
  std::optional<std::chrono::steady_clock::time_point> unserved_since;
  uint32_t top_k = 0;            ///< classes each row ranks (job_spec)
  job_result_counters counters;  ///< its series in the metrics, if on
  /// A resumed job's journaled rows of referenced inputs, recorded only
  /// once a worker finds their object unchanged.
  std::optional<resumed_references> references;
};

/// A job that ended: its last row, and its metrics series (with metrics
/// on), which go together when it leaves the history.
struct ended_job {
  job_row row;
  std::optional<job_result_counters> series;
};

/// A finished job's journal, retired when its client says it committed
/// the results file.
struct committable_job {
  std::string journal; ///< its path
  caf::actor_addr client; ///< the only one who may say so
};

struct coordinator_state {
  coordinator_options options;
  /// Registered workers, by the address they send from and by their key in
  /// the scheduler (a worker_registry keeps the two in step).
  worker_registry<caf::actor_addr, worker_entry> workers;
  /// Running jobs, the last 100 that ended (for `jobs` and `wait`), and
  /// finished jobs whose journal waits for their client's commit (at most
  /// 1024; past that a journal simply stays, and a resubmit resumes it).
  job_table<job_entry, ended_job, committable_job> jobs{100, 1024};
  scheduler sched; ///< the queue, credit, batches in flight, retries
  /// The byte budget, shared among the jobs' clients.
  credit_ledger credit{0, 0};
  journal_store journals{""}; ///< under options.journal_dir
  int64_t started = unix_now();
  uint64_t recorded = 0; ///< results recorded, all jobs, since start
  /// Inference requests taken and not yet answered, and their answers'
  /// promises, by the gateway's key.
  online_requests online;
  std::unordered_map<uint64_t,
                     caf::typed_response_promise<std::vector<prediction>>>
    online_waiting;
  bool online_sweeping = false; ///< a sweep for their deadlines runs
  /// Recent events, for the status page (`events`).
  event_log events;

  static inline const char* name = "fovea.coordinator";
};

coordinator_actor::behavior_type
coordinator(coordinator_actor::stateful_pointer<coordinator_state> self,
            coordinator_options options);

} // namespace fovea
