// status_gateway: how the HTTP front's thread asks this node's coordinator
// for what the shell's tables show (nodes, jobs, models), its queue, its
// recent events, and, for an operator the routes have checked, to cancel a
// job or drain a worker.
//
// Guarantees:
// - every call is thread-safe and never blocks: it sends one message to a
//   helper actor, which makes the request of the coordinator (reads within
//   `read_timeout`) as an actor of this process;
// - each callback runs once: with the coordinator's answer or error (on a
//   CAF thread), or, before attach() and from detach() on, with
//   errc::no_coordinator (on the caller's thread): the front can listen
//   before the coordinator exists and answer after it is gone;
// - detach() stops the helper; call it before the actor system goes. (The
//   front's thread never spawns an actor: an actor spawned from a thread
//   outside CAF's kept CAF 0.17.6's actor system from ever shutting down.)
// - the coordinator takes these as requests of its own process, trusted
//   with everything: whoever calls must have checked its client's role.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"

namespace fovea {

class status_gateway {
public:
  template <class T>
  using reply_fn = std::function<void(caf::expected<T>)>;

  static constexpr auto read_timeout = std::chrono::seconds(5);

  status_gateway();
  ~status_gateway();
  status_gateway(const status_gateway&) = delete;
  status_gateway& operator=(const status_gateway&) = delete;

  /// From now on, calls go to `coordinator`, through a helper of `sys`.
  void attach(caf::actor_system& sys, coordinator_actor coordinator);
  /// Stops the helper: pending and later calls hear "stopped".
  void detach();

  /// The coordinator's row has `address` (where its edge listens) unless
  /// the coordinator gave one: a coordinator cannot tell which of its
  /// addresses its workers reach, but its node knows where it listens.
  void nodes(reply_fn<std::vector<node_row>> done);
  /// Where the coordinator's edge listens, once it does ("host:port").
  void listening_on(std::string address);
  void jobs(reply_fn<std::vector<job_row>> done);
  void models(reply_fn<std::vector<served_model>> done);
  /// The coordinator's recent events after number `after`, oldest first.
  void events(uint64_t after, reply_fn<std::vector<cluster_event>> done);
  void queue(reply_fn<queue_view> done);
  /// The reply is the number of rows the job had.
  void cancel(uint64_t job, reply_fn<uint64_t> done);
  /// The reply (the worker's results) comes once it has drained, which may
  /// take as long as its batches in hand; an unknown worker is an error at
  /// once.
  void drain(std::string worker, reply_fn<uint64_t> done);

  struct shared; ///< the callbacks, shared with the helper actor

private:
  /// Hands `done` to the helper with the request (`atom`, `xs`), or tells
  /// it why not.
  template <class T, class Atom, class... Ts>
  void ask(reply_fn<T> done, Atom atom, Ts... xs);

  std::shared_ptr<shared> shared_;
};

} // namespace fovea
