// The coordinator's parts, shared by its files (inside actors/ only):
// coordinator.cpp answers requests (who may ask, whether the message is
// sound); coordinator_workers.cpp registers and drains workers;
// coordinator_intake.cpp takes a client's tasks within its byte
// credit; coordinator_dispatch.cpp moves work (the queue, workers' credit,
// batches, deadlines, retries, lost workers); coordinator_results.cpp keeps
// a job's results (the ledger, delivering rows, ending jobs);
// coordinator_journals.cpp its journal (open, resume, sync, expire);
// coordinator_models.cpp chooses the model each job runs on;
// coordinator_online.cpp takes and answers inference requests;
// coordinator_sampling.cpp keeps the metrics' gauges current.
// Everything here runs on the coordinator's own thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/access.hpp"
#include "actors/coordinator.hpp"
#include "actors/coroutine.hpp"

namespace fovea::coordinator_parts {

using coordinator_pointer =
    coordinator_actor::stateful_pointer<coordinator_state>;

// -- requests ----------------------------------------------------------------

/// Who sent the message being handled, as far as the edge can tell.
request_sender sender_of(coordinator_pointer self);

/// Why the sender of the message being handled may not make a request of
/// `kind`, or none.
caf::error refused(coordinator_pointer self, request_kind kind);

// -- workers -------------------------------------------------------------------

/// A worker registers one model it serves: its key in the scheduler.
caf::result<uint64_t> register_worker(coordinator_pointer self,
                                      worker_info& info);

/// Drains worker `id` (every model it serves), or the sender itself.
caf::result<uint64_t> drain_worker(coordinator_pointer self,
                                   const std::string& id);

/// The nodes view: the coordinator, then each worker registration.
std::vector<node_row> node_rows(coordinator_state& st);

// -- results -----------------------------------------------------------------

void say(coordinator_pointer self, const std::string& line);

/// Keeps `text` as a recent event of `kind` (the status page's log).
void remember(coordinator_pointer self, event_kind kind, std::string text);

/// Says `line` and remembers it as an event of `kind`.
void say(coordinator_pointer self, event_kind kind, const std::string& line);

job_row row_of(uint64_t id, const job_entry& job, job_state state);

/// Ends a job in `state`: it goes to the recent history; whoever waits for
/// it (or for its last enqueue) hears.
void close_job(coordinator_pointer self, uint64_t id, job_state state,
               const std::string& why);

/// Writes the journal's buffered records to disk; false if the job failed.
bool sync_journal(coordinator_pointer self, uint64_t id);

/// Sends rows to the job's client; closes the job once every row is in.
void deliver(coordinator_pointer self, uint64_t id,
             std::vector<prediction> rows);

/// Records results (first wins), journals and forwards the new ones;
/// `model` is the SHA-256 of the model that produced them, if any.
void record(coordinator_pointer self, std::vector<prediction> rows,
            const std::string& model = {});

/// Syncs every journal now and then (runs for the coordinator's life).
actor_flow sync_journals(coordinator_pointer self);

prediction error_row(image_task& task, std::string reason);

/// A worker found a resumed row's object unchanged (`answer`): the row the
/// job's journal had, for this attempt.
prediction unchanged_row(resumed_references& references, prediction answer);

/// A client went away: its jobs pause (journaled) or are dropped.
void forget_client(coordinator_pointer self, const caf::actor_addr& addr);

struct opened_job {
  std::optional<job_journal> journal;
  /// To read the results it already had (a resumed job), a part at a time.
  std::optional<journal_reader> recorded;
  std::string model; ///< the model it is bound to, if resumed; else empty
};

/// The journal of a named job opened by `owner` (a certificate's name, or
/// "" without one): new, or a crashed run's for the same inputs, files and
/// model. A new one is refused while the journals take
/// fovea.max-journal-bytes.
caf::expected<opened_job> open_journal(coordinator_pointer self,
                                       const job_spec& spec,
                                       const std::string& owner);

/// Removes journals not written within fovea.journal-ttl (not running
/// jobs'), saying each; returns the bytes the rest take.
uint64_t expire_journals(coordinator_pointer self);

/// Hands the results a resumed job's journal had to the ledger and the
/// client, a part at a time.
void replay_journal(coordinator_pointer self, uint64_t id,
                    journal_reader& reader);

/// Ends a job as failed: its client hears why.
void fail_job(coordinator_pointer self, uint64_t id, const caf::error& err);

// -- models ------------------------------------------------------------------

/// The models of the workers that take new work.
std::vector<model_id> served_models(const coordinator_state& st);

/// Why a worker of `model` with `classes` may not register (another worker
/// serves its name@version from another model.pt, or the same model.pt
/// with another number of classes), or none.
caf::error model_conflict(const coordinator_state& st, const model_id& model,
                          uint32_t classes, const caf::actor_addr& worker);

/// Binds a new job to the model `choice` (choose_model's, not a refusal)
/// names, or holds its tasks until one is served.
void bind_or_hold(coordinator_pointer self, uint64_t id,
                  const model_choice& choice);

/// Binds waiting jobs to what is served now; fails jobs whose model no
/// worker has served for model_wait.
void bind_waiting_jobs(coordinator_pointer self);

// -- dispatch ----------------------------------------------------------------

/// Hands out work while workers have credit.
void pump(coordinator_pointer self);

// -- intake --------------------------------------------------------------------

/// A client's batch of tasks for job `id`, within its credit: into the
/// queue at once, each held in the credit ledger at its charge (bad ones
/// become rows at once); the reply is how many. Past the credit it is
/// refused and a remote client cut off.
caf::result<uint64_t> take_tasks(coordinator_pointer self, uint64_t id,
                                 std::vector<image_task>& tasks);

/// The job's client asks for credit (`need` for its next task, up to
/// `want`); granted by message once the budget has room.
void ask_credit(coordinator_pointer self, uint64_t id, uint64_t need,
                uint64_t want);

/// Tells each job's client of the credit it was granted.
void send_credit(coordinator_pointer self,
                 const std::vector<credit_ledger::grant>& grants);

/// Answers and lets go a draining worker once it holds no batch.
void release_if_drained(coordinator_pointer self, const caf::actor_addr& addr);

/// A worker is gone: its batches go back to the queue.
void forget_worker(coordinator_pointer self, const caf::actor_addr& addr,
                   const caf::error& reason);

/// Checks batches' deadlines (runs for the coordinator's life).
actor_flow watch_deadlines(coordinator_pointer self);

// -- online --------------------------------------------------------------------

/// An inference request of the node's gateway: answered with one row per
/// image, in order, once each has its row; or with an error at once (not
/// permitted, invalid, model_unserved, busy, over_limit) or at its
/// deadline (deadline_passed).
caf::result<std::vector<prediction>> take_online(coordinator_pointer self,
                                                 online_request& request);

/// The gateway's client went away: the request's queued tasks are skipped.
void abandon_online(coordinator_pointer self, uint64_t key);

/// A row of an online job (online_requests::is_online) from the model
/// with SHA-256 `digest`: its request is answered once it has every row.
void record_online(coordinator_pointer self, prediction row,
                   const std::string& digest);

/// A batch of `tasks` goes to a worker: the waits of the online requests
/// it starts, for the metrics.
void online_dispatched(coordinator_pointer self,
                       const std::vector<image_task>& tasks);

/// Each name@version some registered worker serves, as the inference
/// protocol describes it.
std::vector<served_model> served_model_list(const coordinator_state& st);

// -- metrics -----------------------------------------------------------------

/// Sets the metrics' gauges from the state now (if metrics are on).
void sample_now(coordinator_pointer self);

/// The queue against its limits, for the status API.
queue_view queue_of(const coordinator_state& st);

/// Sets the metrics' gauges from the state every 250 ms, for as long as the
/// coordinator runs (only when metrics are on).
actor_flow sample_metrics(coordinator_pointer self);

} // namespace fovea::coordinator_parts
