#include "actors/endpoint.hpp"

#include <charconv>

#include "messages/errors.hpp"

namespace fovea {

caf::expected<endpoint> parse_endpoint(const std::string& text) {
  auto bad = [&](const char* why) {
    return make_error(errc::bad_config, "'" + text + "' is not HOST:PORT ("
                                          + why + ")");
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return bad("missing host or port");
  endpoint result;
  result.host = text.substr(0, colon);
  if (result.host.size() > 2 && result.host.front() == '['
      && result.host.back() == ']')
    result.host = result.host.substr(1, result.host.size() - 2);
  auto digits = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                   value);
  if (digits.empty() || ec != std::errc{}
      || end != digits.data() + digits.size() || value == 0 || value > 65535)
    return bad("the port must be a number from 1 to 65535");
  result.port = static_cast<uint16_t>(value);
  return result;
}

std::string to_string(const endpoint& x) {
  if (x.host.find(':') != std::string::npos)
    return "[" + x.host + "]:" + std::to_string(x.port);
  return x.host + ":" + std::to_string(x.port);
}

} // namespace fovea
