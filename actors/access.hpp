// Who may ask the coordinator for what.
//
// A request's sender is known by what it is: an actor that lives in this
// process (an embedded client or worker, trusted with everything), or a
// proxy for an actor of another node, known by that node: a node whose
// connection came through the edge (its certificate's name and role, or,
// through a plain edge, no certificate: trusted with every role, as the
// operator chose by running without TLS), or a node the edge does not know
// (a connection that bypassed it): refused everything. A proxy is never
// local, whatever node id it carries: a peer that named this node's own id
// in its handshake (which the edge refuses anyway) still gains nothing.
//
// The rules: only `worker` certificates register, as the worker their
// certificate names; only `client` and `operator` submit; only `operator`
// cancels jobs or drains another worker (a worker may drain itself, and
// the coordinator lets a client cancel its own job); any known sender may
// look (nodes, jobs, ping); only this process's actors (the node's
// inference gateway, which checks its clients' certificates) make
// inference requests, whatever a remote peer's role; waiting on a job is for its owner and
// operators (the coordinator checks the owner).
#pragma once

#include <optional>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/node_id.hpp>
#include <caf/actor_control_block.hpp>

#include "edge/peer_directory.hpp"

namespace fovea {

enum class request_kind {
  register_worker,
  submit,
  cancel,
  drain,
  observe,
  infer, ///< the node's own inference gateway only
};

struct request_sender {
  bool local = false;                ///< this process
  std::optional<peer_identity> peer; ///< known to the edge
  /// Whom per-client limits count against: the certificate's name, or the
  /// node for senders without one.
  std::string principal;
};

/// Who sent a message as `sender` (null: anonymous, refused everything
/// but what an unknown node may do), as far as this coordinator can tell.
request_sender identify_sender(caf::actor_system& sys,
                               const caf::strong_actor_ptr& sender,
                               const peer_directory* peers);

/// Why `who` may not make a request of `kind`, or none.
caf::error check_access(const request_sender& who, request_kind kind);

/// The bytes CAF writes for `node` on the wire: how the edge names it.
std::string node_key(caf::actor_system& sys, const caf::node_id& node);

} // namespace fovea
