// node_oip: a coordinator's Open Inference Protocol endpoints, as
// fovea.oip-http (REST) and fovea.oip-grpc (gRPC) ask.
//
// Guarantees: with both empty nothing is made and no port opens. Otherwise
// the REST routes (app/oip_routes.hpp) listen on their own front and the
// gRPC service (app/oip_grpc_server.hpp) on its port, both through one
// gateway to the coordinator: plain on loopback, TLS with the node's
// certificate beyond it (a client certificate of role client or operator,
// not revoked), or plain there only with fovea.insecure; anything else is
// a configuration error, said once. Destroying it stops the front and the
// gRPC server first, then the gateway, so no client's request reaches a
// coordinator that is gone.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/online_gateway.hpp"
#include "app/fovea_config.hpp"
#include "app/oip_grpc_server.hpp"
#include "edge/http_front.hpp"

namespace fovea {

struct node_oip {
  std::shared_ptr<online_gateway> gateway; ///< null: off
  std::unique_ptr<http_front> front;      ///< null: REST is off
  std::unique_ptr<oip_grpc_server> grpc; ///< null: gRPC is off

  node_oip() = default;
  node_oip(node_oip&&) = default;
  node_oip& operator=(node_oip&&) = default;
  ~node_oip();
};

/// Starts what fovea.oip-http and fovea.oip-grpc ask for, in front of `coordinator`; nothing
/// after complaining (the caller exits 2).
std::optional<node_oip> open_oip(const fovea_config& cfg,
                                 caf::actor_system& sys,
                                 coordinator_actor coordinator,
                                 const std::string& node);

} // namespace fovea
