#include "edge/peer_identity.hpp"

#include <algorithm>

namespace fovea {

std::string to_string(peer_role role) {
  switch (role) {
  case peer_role::coordinator:
    return "coordinator";
  case peer_role::worker:
    return "worker";
  case peer_role::client:
    return "client";
  case peer_role::operator_:
    return "operator";
  case peer_role::monitor:
    return "monitor";
  case peer_role::unauthenticated:
    break;
  }
  return "unauthenticated";
}

std::optional<peer_role> parse_peer_role(std::string_view text) {
  for (auto role : {peer_role::coordinator, peer_role::worker,
                    peer_role::client, peer_role::operator_,
                    peer_role::monitor})
    if (text == to_string(role))
      return role;
  return std::nullopt;
}

bool valid_peer_name(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  return !name.empty() && name.size() <= 64 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), allowed);
}

} // namespace fovea
