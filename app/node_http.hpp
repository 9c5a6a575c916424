// node_http: a node's metrics and its HTTP front, as fovea.http asks.
//
// Guarantees: with fovea.http empty, nothing is made and no port opens
// (metrics cost nothing: the actors see null). Otherwise the front is
// listening before the node loads a model or listens for CAF, so /readyz
// answers 503 "starting" through a model's load and warm-up. Beyond
// loopback it serves HTTPS with the node's certificate and the edge's TLS
// policy (a client certificate of the cluster's CA, not revoked, of role
// monitor, client or operator), or in clear text only with
// fovea.insecure; anything else is a configuration error, said once (exit
// 2). A coordinator's front also serves the status API, which answers 503
// until status_attachment connects it to the coordinator, and again after.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "actors/status_gateway.hpp"
#include "app/fovea_config.hpp"
#include "edge/http_front.hpp"
#include "metrics/node_metrics.hpp"

namespace fovea {

struct node_http {
  std::shared_ptr<node_metrics> metrics; ///< null: fovea.http is off
  /// A coordinator's status API (app/status_routes.hpp) asks through it;
  /// null on workers and when off.
  std::shared_ptr<status_gateway> status;
  std::unique_ptr<http_front> front;

  /// Sets the node's readiness (does nothing when off).
  void set_phase(node_health::phase p) const {
    if (metrics)
      metrics->health().set_phase(p);
  }
};

/// The front's options for `address`, the value of fovea.`key`: plain on
/// loopback, HTTPS with the node's certificate beyond it, or plain there
/// with fovea.insecure; nothing after complaining that it would leave its
/// `serves` ("metrics") open (the caller exits 2).
std::optional<http_front_options> front_options(const fovea_config& cfg,
                                                const std::string& key,
                                                const std::string& address,
                                                const std::string& node,
                                                const std::string& serves);

/// While it lives, the status API asks `coordinator`; its destructor
/// detaches before the actor system goes. Does nothing when off.
class status_attachment {
public:
  status_attachment(const node_http& http, caf::actor_system& sys,
                    coordinator_actor coordinator);
  ~status_attachment();
  status_attachment(const status_attachment&) = delete;
  status_attachment& operator=(const status_attachment&) = delete;

  /// Where the coordinator's edge listens ("host:port"), for its row in
  /// the status API.
  void listening_on(const std::string& address);

private:
  std::shared_ptr<status_gateway> status_;
};

/// Starts what fovea.http asks for; nothing after complaining (the caller
/// exits 2). `role` is "coordinator" or "worker".
std::optional<node_http> open_http(const fovea_config& cfg,
                                   const std::string& node,
                                   const std::string& role);

} // namespace fovea
