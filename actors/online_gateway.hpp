// online_gateway: how code outside the actor system (the HTTP front's and
// the gRPC server's threads) asks this node's coordinator to run inference
// requests, and hears back through a callback.
//
// Guarantees:
// - every call is thread-safe and never blocks: it sends a message to one
//   helper actor, which makes the request of the coordinator as an actor
//   of this process (the only sender the coordinator takes inference
//   requests from);
// - each callback runs once, on a CAF thread: with the coordinator's
//   answer or error, or with an error once the gateway is closed; a closed
//   gateway sends nothing more;
// - keys are unique in the process, so several gateways (HTTP, gRPC) share
//   one coordinator;
// - what the coordinator serves is asked at most once a second
//   (`models`), not once a request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"

namespace fovea {

class online_gateway {
public:
  using rows_fn
    = std::function<void(caf::expected<std::vector<prediction>>)>;
  using models_fn
    = std::function<void(caf::expected<std::vector<served_model>>)>;

  /// A gateway to `coordinator`, with its helper actor spawned in `sys`
  /// (which must outlive the gateway's close()).
  static std::shared_ptr<online_gateway> start(caf::actor_system& sys,
                                               coordinator_actor coordinator);

  ~online_gateway();
  online_gateway(const online_gateway&) = delete;
  online_gateway& operator=(const online_gateway&) = delete;

  /// Runs `request` (its key is set here, and returned): `done` hears the
  /// rows or why not.
  uint64_t infer(online_request request, rows_fn done);

  /// The client of request `key` went away: the coordinator drops it, and
  /// its callback is not run.
  void abandon(uint64_t key);

  /// What the coordinator serves now (at most a second old).
  void models(models_fn done);

  /// Stops the helper; pending callbacks hear an error. Call before the
  /// actor system goes (the destructor calls it too).
  void close();

  struct shared; ///< the callbacks, shared with the helper actor

private:
  online_gateway() = default;

  std::shared_ptr<shared> shared_;
  caf::actor helper_;
};

} // namespace fovea
