#include "app/status_http.hpp"

#include <caf/sec.hpp>

#include "app/status_json.hpp"
#include "messages/errors.hpp"

namespace fovea {

const std::set<peer_role>& status_reader_roles() {
  static const std::set<peer_role> roles{peer_role::monitor, peer_role::client,
                                         peer_role::operator_};
  return roles;
}

http_answer status_json_answer(unsigned status, std::string body) {
  http_answer answer;
  answer.status = status;
  answer.content_type = "application/json";
  answer.body = std::move(body);
  answer.headers = {
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"}};
  return answer;
}

http_answer status_json_error(unsigned status, const std::string& why) {
  return status_json_answer(status, error_json(why));
}

unsigned http_status_of(const caf::error& err) {
  if (err.category() == error_category) {
    switch (static_cast<errc>(err.code())) {
    case errc::unknown_job:
      return 404;
    case errc::invalid_request:
      return 400;
    case errc::not_permitted:
      return 403;
    case errc::no_coordinator:
      return 503;
    default:
      return 500;
    }
  }
  if (err == caf::sec::request_timeout)
    return 504;
  return 500;
}

http_answer status_failure(const caf::error& err) {
  return status_json_error(http_status_of(err), describe(err));
}

} // namespace fovea
