// status_http: the answers the status API and page share on the HTTP front:
// who may read, JSON bodies with their security headers, and the HTTP
// status each of fovea's errors maps to.
//
// Guarantees:
// - every JSON answer carries `Content-Security-Policy: default-src 'none'`
//   and `nosniff`, so a browser never runs or sniffs one as a page;
// - an error answer is {"error": "..."} (status_json.hpp) with the status
//   its cause maps to: an unknown job 404, a refused request 403, no
//   coordinator 503, a coordinator that did not answer in time 504.
#pragma once

#include <set>
#include <string>

#include <caf/error.hpp>

#include "edge/http_front.hpp"

namespace fovea {

/// Roles that may read the status page and API: monitor, client, operator.
const std::set<peer_role>& status_reader_roles();

http_answer status_json_answer(unsigned status, std::string body);
http_answer status_json_error(unsigned status, const std::string& why);

/// The HTTP status for a failed request of the coordinator.
unsigned http_status_of(const caf::error& err);
/// status_json_error(http_status_of(err), its description).
http_answer status_failure(const caf::error& err);

} // namespace fovea
