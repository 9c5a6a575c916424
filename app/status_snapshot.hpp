// status_snapshot: everything the status page shows, read from the
// coordinator in one go: nodes, jobs, models, the queue and recent events.
// The page renders one; GET /api/v1/status serves one, so that a page's
// refresh is one request rather than one per list.
//
// Guarantees:
// - read_status asks through the gateway (never blocking the caller) and
//   calls `done` once: with the whole snapshot, or with the first error
//   (then nothing is half-filled for the caller to show);
// - the lists are read one after the other, each a consistent view of its
//   own; together they are as of within a few milliseconds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <caf/expected.hpp>

#include "actors/status_gateway.hpp"
#include "messages/cluster_view.hpp"
#include "messages/online.hpp"

namespace fovea {

struct status_snapshot {
  std::vector<node_row> nodes;
  std::vector<job_row> jobs;
  std::vector<served_model> models;
  std::vector<cluster_event> events; ///< oldest first
  queue_view queue;
  int64_t now = 0; ///< unix seconds, for "up since"
};

/// Reads a snapshot with the events after number `events_after`; `now` is
/// set as the last list arrives.
void read_status(std::shared_ptr<status_gateway> gateway, uint64_t events_after,
                 std::function<void(caf::expected<status_snapshot>)> done);

} // namespace fovea
