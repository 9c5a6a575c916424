// probe_routes: what a node's HTTP front answers for Prometheus and for a
// service manager's or load balancer's probes.
//
// Guarantees: GET /metrics answers the node's metrics in the Prometheus
// text format; GET /healthz 200 while the node's actors live, else 503;
// GET /readyz 200 when the node is ready (node_health), else 503 with a
// one-line reason. Each reads atomics and takes prometheus-cpp's
// per-family locks, never one an actor waits on for long. Over TLS, the
// roles monitor, client and operator may read them (a scraper gets a
// monitor certificate: it can do nothing else).
#pragma once

#include <vector>

#include "edge/http_front.hpp"
#include "metrics/node_metrics.hpp"

namespace fovea {

/// The routes; `metrics` must outlive the front that serves them.
std::vector<http_route> probe_routes(node_metrics& metrics);

/// The roles that may read what a node publishes over HTTP.
std::set<peer_role> reader_roles();

} // namespace fovea
