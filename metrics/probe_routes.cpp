#include "metrics/probe_routes.hpp"

namespace fovea {

std::set<peer_role> reader_roles() {
  return {peer_role::monitor, peer_role::client, peer_role::operator_};
}

std::vector<http_route> probe_routes(node_metrics& metrics) {
  std::vector<http_route> routes;
  auto add = [&](std::string path, std::function<http_answer()> answer) {
    http_route route;
    route.path = std::move(path);
    route.roles = reader_roles();
    route.handler = [answer = std::move(answer)](const http_request&) {
      return answer();
    };
    routes.push_back(std::move(route));
  };
  add("/metrics", [&metrics] {
    http_answer a;
    a.content_type = "text/plain; version=0.0.4; charset=utf-8";
    a.body = metrics.scrape();
    return a;
  });
  add("/healthz", [&metrics] {
    auto alive = metrics.health().alive();
    http_answer a;
    a.status = alive ? 200 : 503;
    a.body = alive ? "ok\n" : "the node's actors have ended\n";
    return a;
  });
  add("/readyz", [&metrics] {
    auto& health = metrics.health();
    auto ready = health.alive() && health.ready();
    http_answer a;
    a.status = ready ? 200 : 503;
    a.body = ready ? std::string{"ready\n"}
                   : (health.alive() ? health.reason() : std::string{"stopped"})
                       + "\n";
    return a;
  });
  return routes;
}

} // namespace fovea
