#include "app/node_oip.hpp"

#include "app/build_info.hpp"
#include "app/console.hpp"
#include "app/node_http.hpp"
#include "app/oip_routes.hpp"

namespace fovea {

node_oip::~node_oip() {
  front.reset(); // abandons what it still waits for, through the gateway
  if (gateway)
    gateway->close();
}

std::optional<node_oip> open_oip(const fovea_config& cfg,
                                 caf::actor_system& sys,
                                 coordinator_actor coordinator,
                                 const std::string& node) {
  node_oip result;
  if (cfg.oip_http.empty())
    return result;
  auto options = front_options(cfg, "oip-http", cfg.oip_http, node,
                               "inference endpoints");
  if (!options)
    return std::nullopt;
  auto timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.oip_timeout);
  // The coordinator answers 504 at the request's deadline; the front's
  // own limit is for a coordinator that does not answer at all.
  options->answer_timeout = timeout + std::chrono::seconds(5);
  // A request's body may take its time to arrive, but not the front's
  // default 5 s for the largest batch on a slow link.
  options->request_timeout
    = std::max(options->request_timeout, std::chrono::milliseconds(30000));
  oip_route_options routes;
  routes.timeout = timeout;
  routes.limits.max_batch = cfg.oip_max_batch;
  routes.limits.max_image_bytes = cfg.max_image_bytes;
  routes.version = build_info().fovea;
  routes.max_queued_bytes = cfg.oip_max_queued_bytes;
  result.gateway = online_gateway::start(sys, std::move(coordinator));
  std::string problem;
  result.front = http_front::start(std::move(*options),
                                   oip_routes(result.gateway, routes),
                                   problem);
  if (!result.front) {
    complain("fovea node: fovea.oip-http: " + problem);
    return std::nullopt;
  }
  say("fovea coordinator " + node + ": inference (Open Inference Protocol) "
      "on " + result.front->url() + "/v2");
  return result;
}

} // namespace fovea
