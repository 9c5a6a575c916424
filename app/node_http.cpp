#include "app/node_http.hpp"

#include "actors/endpoint.hpp"
#include "app/build_info.hpp"
#include "app/console.hpp"
#include "app/node_edge.hpp"
#include "app/status_routes.hpp"
#include "messages/errors.hpp"
#include "metrics/probe_routes.hpp"

namespace fovea {

std::optional<http_front_options> front_options(const fovea_config& cfg,
                                                const std::string& key,
                                                const std::string& address,
                                                const std::string& node,
                                                const std::string& serves) {
  // Port 0 (any free port, said in the log line) is fine here, unlike for
  // an address to connect to.
  auto any_port = address.size() > 2
                  && address.compare(address.size() - 2, 2, ":0") == 0;
  auto where = parse_endpoint(
    any_port ? address.substr(0, address.size() - 1) + "1" : address);
  if (where && any_port)
    where->port = 0;
  if (!where) {
    complain("fovea node: fovea." + key + ": " + describe(where.error()));
    return std::nullopt;
  }
  http_front_options options;
  options.host = where->host;
  options.port = where->port;
  options.say = [node](const std::string& line) { say(node + ": " + line); };
  auto tls = !cfg.certificate.empty();
  if (!is_loopback(options.host)) {
    if (!tls && !cfg.insecure) {
      complain("fovea node: fovea." + key + " = " + address
               + " is not a loopback address and this node has no "
                 "certificate to serve HTTPS with: its "
               + serves
               + " would be open to anyone who reaches it. Give the node "
                 "fovea.certificate, fovea.key and fovea.ca, or set "
                 "fovea.insecure = true on a network you trust");
      return std::nullopt;
    }
    if (tls) {
      std::string problem;
      options.credentials = tls_credentials::load(cfg.tls(), problem);
      if (!options.credentials) {
        complain("fovea node: " + problem);
        return std::nullopt;
      }
    }
  }
  return options;
}

status_attachment::status_attachment(const node_http& http,
                                     caf::actor_system& sys,
                                     coordinator_actor coordinator)
    : status_(http.status) {
  if (status_)
    status_->attach(sys, std::move(coordinator));
}

void status_attachment::listening_on(const std::string& address) {
  if (status_)
    status_->listening_on(address);
}

status_attachment::~status_attachment() {
  if (status_)
    status_->detach();
}

std::optional<node_http> open_http(const fovea_config& cfg,
                                   const std::string& node,
                                   const std::string& role) {
  node_http result;
  if (cfg.http.empty())
    return result;
  auto options = front_options(cfg, "http", cfg.http, node, "metrics");
  if (!options)
    return std::nullopt;
  auto versions = build_info();
  result.metrics = std::make_shared<node_metrics>(
    node, role,
    std::map<std::string, std::string>{{"version", versions.fovea},
                                       {"caf", versions.caf},
                                       {"libtorch", versions.libtorch},
                                       {"opencv", versions.opencv},
                                       {"openssl", versions.openssl}});
  auto routes = probe_routes(*result.metrics);
  if (role == "coordinator") {
    result.status = std::make_shared<status_gateway>();
    for (auto& route : status_routes(result.status))
      routes.push_back(std::move(route));
  }
  std::string problem;
  result.front = http_front::start(std::move(*options), std::move(routes),
                                   problem);
  if (!result.front) {
    complain("fovea node: fovea.http: " + problem);
    return std::nullopt;
  }
  // Not the word "ready": scripts and tests wait for a node's ready line.
  say("fovea " + role + " " + node + ": metrics on "
      + result.front->url() + "/metrics, with health probes"
      + (result.status ? " and the status API" : ""));
  return result;
}

} // namespace fovea
