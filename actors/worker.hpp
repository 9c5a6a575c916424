// The worker actor: a node's presence in the cluster.
//
// It joins a coordinator (over the network, or in-process for the embedded
// classifier), registers itself with its id, model and slots, and from then
// on passes each classify request to its inference actor. If the coordinator
// goes away it joins again, for as long as its connect timeout allows.
// Told to drain, it leaves without loss: it asks the coordinator to send it
// nothing more, finishes the batches it holds, and quits.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/endpoint.hpp"
#include "actors/inference.hpp"
#include "edge/route_table.hpp"
#include "messages/interfaces.hpp"
#include "messages/worker_info.hpp"

namespace fovea {

struct worker_options {
  worker_info info;
  /// Where to join: a network address, or (embedded) a coordinator handle.
  std::optional<endpoint> address;
  /// The edge's routes to it; null: CAF connects to `address` directly.
  std::shared_ptr<route_table> routes;
  coordinator_actor local_coordinator;
  /// How long to keep trying to reach the coordinator before giving up.
  caf::timespan connect_timeout = std::chrono::seconds(30);
  /// Prints one line for people (ready, lost, giving up); may be empty.
  std::function<void(const std::string&)> say;
  /// Told true once registered, false when the coordinator is lost or the
  /// worker drains (the node's readiness); may be empty.
  std::function<void(bool)> registered;
};

struct worker_state {
  worker_options options;
  inference_actor engine;
  coordinator_actor coordinator; ///< set while registered
  uint64_t registration = 0;     ///< the coordinator's number for us
  bool draining = false;         ///< asked to leave; finishing what it holds
  uint32_t held = 0; ///< batches received and not yet answered
  /// When `held` last fell to 0 (or the worker started): since then it
  /// has had nothing to do.
  caf::actor_clock::time_point idle_since;

  static inline const char* name = "fovea.worker";
};

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       worker_options options, inference_actor engine);

} // namespace fovea
