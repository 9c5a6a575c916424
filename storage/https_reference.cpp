#include "storage/https_reference.hpp"

#include <algorithm>
#include <cctype>

#include "messages/errors.hpp"

namespace fovea {

namespace {

caf::error refused_url(std::string_view text, const std::string& why) {
  auto shown = text.substr(0, 200);
  return make_error(errc::invalid_request, std::string{shown} + ": " + why);
}

std::string lowercase(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

} // namespace

caf::expected<https_target> parse_https_reference(std::string_view text) {
  constexpr std::string_view scheme = "https://";
  if (!text.starts_with(scheme))
    return refused_url(text, "an HTTPS reference starts with https://");
  if (text.size() > 2048)
    return refused_url(text, "an HTTPS reference has at most 2048 bytes");
  if (std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      }))
    return refused_url(text, "spaces and control characters are not allowed");
  if (text.find('#') != std::string_view::npos)
    return refused_url(text, "a fragment (#) is not allowed");
  auto rest = text.substr(scheme.size());
  auto authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos)
    return refused_url(text,
                       "a user or password in the address is not allowed");
  https_target target;
  target.url = std::string{text};
  auto host = authority;
  if (authority.starts_with('[')) { // an IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return refused_url(text, "an unclosed IPv6 address");
    host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    authority.remove_prefix(colon == std::string_view::npos ? authority.size()
                                                            : colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char))
      return refused_url(text, "a host has only letters, digits, '.' and '-'");
  }
  if (!authority.empty()) {
    auto port = authority.substr(1);
    if (!authority.starts_with(':') || port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(),
                     [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string{port}) < 1 ||
        std::stoi(std::string{port}) > 65535)
      return refused_url(text, "a port is from 1 to 65535");
    target.port = std::stoi(std::string{port});
  }
  target.host = lowercase(host);
  return target;
}

bool https_host_allowed(const std::vector<std::string>& allowed,
                        const https_target& target) {
  auto host_port = target.host + ":" + std::to_string(target.port);
  for (auto& entry : allowed) {
    auto want = lowercase(entry);
    if (want == host_port || (target.port == 443 && want == target.host))
      return true;
    if (want.starts_with("*.")) {
      auto domain = want.substr(1); // ".example.com"
      auto name = want.find(':') == std::string::npos ? target.host : host_port;
      if (name.size() > domain.size() && name.ends_with(domain) &&
          (want.find(':') != std::string::npos || target.port == 443))
        return true;
    }
  }
  return false;
}

} // namespace fovea
