// oip_routes: the Open Inference Protocol's REST endpoints (KServe v2) on
// an HTTP front, answered by this node's coordinator through its gateway.
//
//   GET  /v2/health/live, /v2/health/ready      the server
//   GET  /v2                                    its metadata and extensions
//   GET  /v2/models/NAME[/versions/V][/ready]   a model's metadata, readiness
//   POST /v2/models/NAME[/versions/V]/infer     inference
//
// Guarantees:
// - a request is read (edge/oip_rest.hpp, every bound checked) against the
//   model it names as its workers registered it, before anything of it
//   reaches the coordinator; one that breaks a rule gets 400 naming it, an
//   unknown model or version 404;
// - the coordinator's refusals keep their meaning: full 503, a client's
//   quota 429, the request's deadline 504; an image a worker could not
//   decode 400 naming its batch element; every error body is
//   {"error": "..."};
// - a client that goes away abandons its request: the coordinator drops its
//   queued images;
// - the routes hold the gateway, never block the front's thread on it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/online_gateway.hpp"
#include "edge/http_front.hpp"
#include "edge/oip_rest.hpp"

namespace fovea {

struct oip_route_options {
  /// How long a request may take in all (fovea.oip-timeout).
  std::chrono::milliseconds timeout{10000};
  oip_limits limits;
  std::string version; ///< fovea's, for GET /v2
  /// The images a coordinator holds of inference requests in all
  /// (fovea.oip-max-queued-bytes): no larger request can be taken, so no
  /// larger body is read.
  uint64_t max_queued_bytes = uint64_t{64} << 20;
};

std::vector<http_route> oip_routes(std::shared_ptr<online_gateway> gateway,
                                   oip_route_options options);

/// The HTTP status for an error of the coordinator's.
unsigned oip_status_of(const caf::error& err);

} // namespace fovea
