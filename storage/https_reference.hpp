// https_reference: an https:// input, and whether a worker may fetch it.
//
// Guarantees:
//   - A reference is "https://HOST[:PORT]/PATH": no user or password in
//     it, no fragment, a host of letters, digits, '.' and '-' (or an IP
//     literal), a port from 1 to 65535, at most 2048 bytes, no control
//     characters or spaces. Anything else is refused, saying why.
//   - A host is fetched only if fovea.http-hosts names it: "HOST" (port
//     443) or "HOST:PORT" exactly, or "*.DOMAIN" for the names below
//     DOMAIN (not DOMAIN itself). Names compare case-insensitively and as
//     written: an IP address is fetched only if listed as that address, so
//     a cloud's metadata address (169.254.169.254) or an internal host is
//     never reached through a reference unless an operator lists it.
//   - Redirects are never followed (http_reads.hpp): a listed host cannot
//     send a worker to one that is not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace fovea {

struct https_target {
  std::string url;  ///< as given
  std::string host; ///< lower case
  int port = 443;
};

caf::expected<https_target> parse_https_reference(std::string_view text);

/// Whether fovea.http-hosts (`allowed`) lets a worker fetch `target`.
bool https_host_allowed(const std::vector<std::string>& allowed,
                        const https_target& target);

} // namespace fovea
