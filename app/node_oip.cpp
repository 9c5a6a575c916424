#include "app/node_oip.hpp"

#include "app/build_info.hpp"
#include "app/console.hpp"
#include "app/node_http.hpp"
#include "app/oip_routes.hpp"

namespace fovea {

namespace {

std::chrono::milliseconds oip_timeout(const fovea_config& cfg) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(cfg.oip_timeout);
}

oip_limits limits_of(const fovea_config& cfg) {
  oip_limits limits;
  limits.max_batch = cfg.oip_max_batch;
  limits.max_image_bytes = cfg.max_image_bytes;
  return limits;
}

bool open_rest(const fovea_config& cfg, const std::string& node,
               node_oip& result) {
  auto options = front_options(cfg, "oip-http", cfg.oip_http, node,
                               "inference endpoints");
  if (!options)
    return false;
  options->max_connections = cfg.oip_max_connections;
  options->max_connections_per_address = cfg.oip_max_connections_per_address;
  auto timeout = oip_timeout(cfg);
  // The coordinator answers 504 at the request's deadline; the front's
  // own limit is for a coordinator that does not answer at all.
  options->answer_timeout = timeout + std::chrono::seconds(5);
  // A request's body may take its time to arrive, but not the front's
  // default 5 s for the largest batch on a slow link.
  options->request_timeout
    = std::max(options->request_timeout, std::chrono::milliseconds(30000));
  oip_route_options routes;
  routes.timeout = timeout;
  routes.limits = limits_of(cfg);
  routes.version = build_info().fovea;
  routes.max_queued_bytes = cfg.oip_max_queued_bytes;
  auto served = oip_routes(result.gateway, routes);
  // The bodies of requests not yet answered: two of the largest a route
  // takes. Each is bounded already, but 64 connections of them were not.
  for (auto& route : served)
    options->max_body_bytes_held
      = std::max<uint64_t>(options->max_body_bytes_held,
                           2 * uint64_t{route.max_body_bytes});
  std::string problem;
  result.front = http_front::start(std::move(*options), std::move(served),
                                   problem);
  if (!result.front) {
    complain("fovea node: fovea.oip-http: " + problem);
    return false;
  }
  say("fovea coordinator " + node + ": inference (Open Inference Protocol) "
      "on " + result.front->url() + "/v2");
  return true;
}

bool open_grpc(const fovea_config& cfg, const std::string& node,
               node_oip& result) {
  // The same rule as REST's: plain on loopback or with fovea.insecure, TLS
  // with the node's certificate otherwise.
  auto where = front_options(cfg, "oip-grpc", cfg.oip_grpc, node,
                             "inference endpoints");
  if (!where)
    return false;
  oip_grpc_options options;
  options.host = where->host;
  options.port = where->port;
  if (where->credentials)
    options.tls = cfg.tls();
  options.timeout = oip_timeout(cfg);
  options.limits = limits_of(cfg);
  options.max_queued_bytes = cfg.oip_max_queued_bytes;
  options.version = build_info().fovea;
  auto edge = cfg.edge_settings();
  options.handshake_timeout = edge.handshake_timeout;
  options.idle_timeout = edge.idle_timeout;
  std::string problem;
  result.grpc = oip_grpc_server::start(std::move(options), result.gateway,
                                       problem);
  if (!result.grpc) {
    complain("fovea node: fovea.oip-grpc: " + problem);
    return false;
  }
  say("fovea coordinator " + node + ": inference (Open Inference Protocol) "
      "on " + result.grpc->url());
  return true;
}

} // namespace

node_oip::~node_oip() {
  // Both abandon what they still wait for, through the gateway.
  front.reset();
  grpc.reset();
  if (gateway)
    gateway->close();
}

std::optional<node_oip> open_oip(const fovea_config& cfg,
                                 caf::actor_system& sys,
                                 coordinator_actor coordinator,
                                 const std::string& node) {
  node_oip result;
  if (!cfg.serves_inference())
    return result;
  result.gateway = online_gateway::start(sys, std::move(coordinator));
  if (!cfg.oip_http.empty() && !open_rest(cfg, node, result))
    return std::nullopt;
  if (!cfg.oip_grpc.empty() && !open_grpc(cfg, node, result))
    return std::nullopt;
  return result;
}

} // namespace fovea
