// node_oip: a coordinator's Open Inference Protocol endpoints, as
// fovea.oip-http asks.
//
// Guarantees: with fovea.oip-http empty nothing is made and no port opens.
// Otherwise the REST routes (app/oip_routes.hpp) listen on their own
// front, plain on loopback, HTTPS with the node's certificate and the
// edge's TLS policy beyond it (a client certificate of role client or
// operator, not revoked), or plain there only with fovea.insecure; anything
// else is a configuration error, said once. Destroying it stops the front
// first, then the gateway, so no client's request reaches a coordinator
// that is gone.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/online_gateway.hpp"
#include "app/fovea_config.hpp"
#include "edge/http_front.hpp"

namespace fovea {

struct node_oip {
  std::shared_ptr<online_gateway> gateway; ///< null: off
  std::unique_ptr<http_front> front;

  node_oip() = default;
  node_oip(node_oip&&) = default;
  node_oip& operator=(node_oip&&) = default;
  ~node_oip();
};

/// Starts what fovea.oip-http asks for, in front of `coordinator`; nothing
/// after complaining (the caller exits 2).
std::optional<node_oip> open_oip(const fovea_config& cfg,
                                 caf::actor_system& sys,
                                 coordinator_actor coordinator,
                                 const std::string& node);

} // namespace fovea
