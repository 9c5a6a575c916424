// The typed interfaces of fovea's network-facing actors: what each one
// accepts and answers. Nodes include this to talk to each other; the
// compiler then checks every request and handler against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/type_ids.hpp"

namespace fovea {

/// The coordinator owns jobs and hands their tasks to registered workers.
using coordinator_actor = caf::typed_actor<
  // A worker joins (the sender is the worker); the reply is its registration
  // number. The worker must answer classify requests from then on.
  caf::replies_to<register_atom, worker_info>::with<uint64_t>,
  // A client opens a job (the sender is the client, which then receives the
  // job's results); the reply is the job id.
  caf::replies_to<submit_atom, job_spec>::with<uint64_t>,
  // A client hands over a batch of its job's tasks, within the credit it was
  // granted (messages/credit.hpp); the reply is the number of tasks
  // accepted, at once. A batch past the credit is refused, not held.
  // Several may be in flight at once.
  caf::replies_to<enqueue_atom, uint64_t, std::vector<image_task>>::with<
    uint64_t>,
  // A client asks for more credit for its job: it needs `need` to send its
  // next task and could use up to `want` unspent. The answer comes as a
  // credit message once the coordinator's budget has room.
  caf::reacts_to<credit_atom, uint64_t, uint64_t, uint64_t>,
  // A worker (named by id) is to leave without loss: it gets no new work,
  // and the reply (how many results it produced) comes once it has answered
  // every batch it holds. It is then no longer registered.
  caf::replies_to<drain_atom, std::string>::with<uint64_t>,
  // A client has renamed its job's results file into place (and synced
  // it): the coordinator retires the job's journal, so the same name runs
  // afresh next time. The reply says whether there was one to retire.
  caf::replies_to<commit_atom, uint64_t>::with<bool>,
  // For operators: every node, every job (running and recent), a job's
  // row once it has ended, cancelling a job (the reply is the number of
  // rows it had), and a liveness check answered with the coordinator's id.
  caf::replies_to<nodes_atom>::with<std::vector<node_row>>,
  caf::replies_to<jobs_atom>::with<std::vector<job_row>>,
  caf::replies_to<wait_atom, uint64_t>::with<job_row>,
  caf::replies_to<cancel_atom, uint64_t>::with<uint64_t>,
  caf::replies_to<ping_atom>::with<std::string>,
  // An inference request of the node's own gateway (only actors of this
  // process may make one): one row per image, in order, with every
  // class's probability; an error at once or at the request's deadline.
  // The gateway abandons a request whose client went away.
  caf::replies_to<infer_atom, online_request>::with<
    std::vector<prediction>>,
  caf::reacts_to<abandon_atom, uint64_t>,
  // Each name@version a registered worker serves, with its geometry and
  // class names.
  caf::replies_to<models_atom>::with<std::vector<served_model>>,
  // Its recent events (joins, losses, drains, retries, poison rows, jobs
  // opening and ending) after sequence number N, oldest first; at most
  // the last 256 are kept.
  caf::replies_to<events_atom, uint64_t>::with<std::vector<cluster_event>>,
  // Its queue of tasks and bytes against its limits.
  caf::replies_to<queue_atom>::with<queue_view>,
  // The protocol version it speaks (the atom's name says it too).
  caf::replies_to<protocol_atom>::with<uint32_t>>;

/// A worker classifies batches of tasks: one prediction per task, in order,
/// errors included, with what it saw of its load (batch_answer). Told to
/// drain (by its node, on SIGTERM), it asks its coordinator to drain it and
/// leaves once that is done.
using worker_actor = caf::typed_actor<
  caf::replies_to<classify_atom, std::vector<image_task>>::with<batch_answer>,
  caf::reacts_to<drain_atom>>;

/// A client receives its job's results as they are recorded, each input once,
/// or hears that its job failed (a journal that cannot be written) and why;
/// and the credit it may send within, first right after its job opens.
using client_actor = caf::typed_actor<
  caf::reacts_to<result_atom, uint64_t, std::vector<prediction>>,
  caf::reacts_to<failed_atom, uint64_t, std::string>,
  caf::reacts_to<credit_atom, job_credit>>;

} // namespace fovea
