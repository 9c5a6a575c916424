// The client actor: submits one job and collects its results.
//
// It reads the inputs itself and sends their bytes (workers share no file
// system with it), in batches, within the credit the coordinator grants
// its job (messages/credit.hpp): it never sends past it, keeps as many
// batches in flight as the credit allows, asks for more before it runs
// out, and holds at most one read input that waits for credit. It holds
// no list of the job's inputs either: it reads them in one pass
// (jobs/job_inputs.hpp) and keeps the paths of the inputs in flight only,
// so its memory stays flat however large the job. A pass that does not
// give the inputs counted before the job was submitted fails the job. An input whose charge is over
// the coordinator's whole budget is sent as that input's error. Every input
// is handed to on_row exactly once; once every input has its row, `commit`
// (the results file moved into place) runs, the coordinator hears that the
// results are safe (it retires the job's journal), and on_done is called
// once, with no error.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/coroutine.hpp"
#include "actors/endpoint.hpp"
#include "edge/route_table.hpp"
#include "jobs/job_inputs.hpp"
#include "messages/interfaces.hpp"

namespace fovea {

struct client_options {
  job_inputs inputs;
  std::string job_name;
  std::string model; ///< "NAME[@VERSION]" the job runs on; empty: the one served
  uint32_t top_k = 0; ///< classes each row ranks (0: none)
  /// Where the coordinator is: a network address, or an in-process handle.
  std::optional<endpoint> address;
  /// The edge's routes to it; null: CAF connects to `address` directly.
  std::shared_ptr<route_table> routes;
  coordinator_actor local_coordinator;
  /// Inputs per enqueue request, at most: each request costs the
  /// coordinator a message, a reply and a thread wake-up whatever its size.
  uint32_t batch_size = 256;
  /// Image bytes per enqueue request, at most (one larger image travels
  /// alone): requests stay far below fovea.max-message-bytes, and what the
  /// coordinator's CAF buffers for this connection stays small.
  uint64_t batch_bytes = 1u << 20;
  uint64_t max_image_bytes = 64ull << 20; ///< larger files become error rows
  caf::timespan connect_timeout = std::chrono::seconds(10);
  /// Replies come at once; a coordinator that dies is noticed sooner
  /// through monitoring.
  caf::timespan request_timeout = std::chrono::minutes(10);
  std::function<void(uint64_t job)> on_job; ///< the coordinator's job id
  /// Why the job waits (no worker serves its model, until when), each time
  /// that changes while no row comes; "" once it runs again.
  std::function<void(const std::string&)> on_waiting;
  /// How often a job without new rows asks its coordinator why.
  caf::timespan waiting_check = std::chrono::seconds(1);
  std::function<void(const prediction&)> on_row; ///< on the client's thread
  /// Makes the results durable once every row is in; an error fails the job.
  std::function<caf::error()> commit;
  std::function<void(const caf::error&)> on_done;
};

struct client_state {
  client_options options;
  coordinator_actor coordinator;
  uint64_t job = 0;
  /// The credit granted so far (job_credit.granted), and what was sent of
  /// it; none until the coordinator's first credit message.
  std::optional<job_credit> credit;
  uint64_t spent = 0;
  bool asked = false;   ///< an ask for credit waits for its answer
  flow_signal credited; ///< the sending flow waits here for credit
  std::vector<bool> seen; ///< by input index: has its row arrived?
  /// The paths of the inputs sent whose rows have not come: a row names
  /// the path this client read, whatever came back. At most what the
  /// credit allows in flight (the ledger's task floor bounds the count).
  std::unordered_map<uint64_t, std::string> in_flight;
  uint64_t received = 0;
  bool committing = false; ///< every row is in: commit, then tell
  bool committed = false;  ///< the results file is in place
  bool done = false;

  static inline const char* name = "fovea.client";
};

/// While the job's rows do not come, asks its coordinator every
/// waiting_check why, and tells on_waiting when the reason changes (runs
/// until the job is done; client_waiting.cpp).
actor_flow watch_waiting(client_actor::stateful_pointer<client_state> self);

client_actor::behavior_type
client(client_actor::stateful_pointer<client_state> self,
       client_options options);

/// Reads `input` into a task of `job`; an input that cannot be read, or is
/// over `max_bytes`, becomes a task carrying its error instead of bytes.
image_task read_task(const input_item& input, uint64_t job, uint64_t index,
                     uint64_t max_bytes);

} // namespace fovea
