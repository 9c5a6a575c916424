// status_routes: a coordinator's status page and API on its HTTP front
// (fovea.http), answered through its status gateway (docs/status.md).
//
//   GET  /, /assets/...                the status page, its script and
//                                      style (app/status_page_routes.hpp)
//   GET  /api/v1/nodes                 every node: workers' model, slots,
//                                      batches in flight, rate, state
//   GET  /api/v1/jobs                  running and recent jobs: progress,
//                                      rate, ETA, errors, owner
//   GET  /api/v1/models                each name@version served: workers,
//                                      running jobs bound to it
//   GET  /api/v1/queue                 queued tasks and image bytes
//                                      against their limits
//   GET  /api/v1/events[?after=N]      recent events, oldest first
//   GET  /api/v1/status[?after=N]      all five in one answer (the page's
//                                      refresh)
//   POST /api/v1/jobs/ID/cancel        cancels job ID (operator)
//   POST /api/v1/nodes/ID/drain        drains worker ID (operator)
//
// Guarantees:
// - reading takes a certificate of role monitor, client or operator (on a
//   front with TLS; a plain one, on loopback, is open to read);
// - changing takes role operator, which only a front with TLS can tell: a
//   plain front's API is read-only, whoever asks;
// - a change must carry `X-Fovea-Confirm: cancel` (or `drain`), and an
//   `Origin`, if sent, must be the front's own: a page of another site
//   cannot make a browser send that header without a CORS preflight, which
//   this front never grants, so a browser holding an operator's
//   certificate cannot be made to cancel or drain by another site (CSRF);
// - every answer is JSON (status_json.hpp), errors {"error": ...}, with
//   `Content-Security-Policy: default-src 'none'` and `nosniff`;
// - the routes never block the front's thread: they answer later, through
//   the gateway; before the coordinator runs and after it stops, 503.
#pragma once

#include <memory>
#include <vector>

#include "actors/status_gateway.hpp"
#include "edge/http_front.hpp"

namespace fovea {

std::vector<http_route> status_routes(std::shared_ptr<status_gateway> gateway);

} // namespace fovea
