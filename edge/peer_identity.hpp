// Who is behind a connection that came through the edge: the name and role
// its certificate carries, and the address it really connects from.
//
// Roles are what a cluster trusts a certificate holder with: a `worker`
// registers and classifies, a `client` submits jobs and looks after its
// own, an `operator` also cancels any job and drains workers, a `monitor`
// only reads a node's HTTP front (metrics, health, status: for scrapers
// and probes) and never reaches its actors, and a `coordinator` is what
// every other role dials. Connections through a plain (non-TLS) edge carry no
// certificate: they are `unauthenticated`, and a coordinator without TLS
// trusts them with every role, as its operator chose.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fovea {

enum class peer_role {
  coordinator,
  worker,
  client,
  operator_,
  monitor,
  unauthenticated
};

/// "coordinator", "worker", "client", "operator" (or "unauthenticated").
std::string to_string(peer_role role);

/// The role a certificate names, or nothing if it is not one of the five.
std::optional<peer_role> parse_peer_role(std::string_view text);

struct peer_identity {
  std::string name; ///< the certificate's common name; empty without TLS
  peer_role role = peer_role::unauthenticated;
  std::string address; ///< host:port the connection comes from
};

/// Certificate names (and so node names) are 1-64 letters, digits, '.',
/// '_' or '-', not starting with '.': safe in file names and log lines.
bool valid_peer_name(std::string_view name);

} // namespace fovea
