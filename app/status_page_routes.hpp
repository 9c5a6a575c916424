// status_page_routes: the coordinator's status page on its HTTP front: `/`,
// rendered on the server from one snapshot of the status API's lists
// (app/status_page.hpp), and `/assets/...`, its script and style compiled
// into the binary.
//
// Guarantees:
// - the page and its assets are readable by the status API's readers
//   (monitor, client, operator; anyone on a plain loopback front);
// - the page offers cancel and drain only to an operator's certificate;
// - every answer carries the page's Content-Security-Policy (only its own
//   script, style and API), `nosniff` and `Referrer-Policy: no-referrer`;
// - a failed read of the coordinator is a short page with the reason,
//   escaped, and the status the status API would answer.
#pragma once

#include <memory>
#include <vector>

#include "actors/status_gateway.hpp"
#include "edge/http_front.hpp"

namespace fovea {

std::vector<http_route>
status_page_routes(std::shared_ptr<status_gateway> gateway);

} // namespace fovea
