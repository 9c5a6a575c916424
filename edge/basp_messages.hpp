// basp_messages: which direct messages a fovea node accepts from a peer,
// read from the first bytes of their payload, and why any other is not.
//
// A direct message's payload is its forwarding stack and then its content
// as CAF 0.17 serializes a caf::message: a zero type number and the
// content's type names joined, "@<>+@atom+@u64+fovea::job_row" (caf/message.cpp,
// message::save). Each name is a type CAF knows how to read; some of them
// hold actor handles or node ids (@strong_actor_ptr, @actor, @node, a
// nested @message, ...), from which CAF builds proxies and routing state
// for whatever node they name. So the check is by the whole list of names:
//
// - fovea's own requests, replies and pushes (messages/interfaces.hpp),
//   which hold no handle;
// - an error reply (@error), whose context is only plain values (strings,
//   atoms, integers), never a handle or a nested message;
// - CAF's node discovery: `(sys, get, "info")`, named to "SpawnServ" (each
//   node's broker sends it once per new peer: basp_broker.cpp,
//   learned_new_node), and its reply `(ok, "info", handle, name)`, whose
//   handle must be the peer's own actor.
// The forwarding stack must be empty: fovea never sends through stages.
//
// tests/edge/basp_messages.test.cpp checks each accepted list against what
// CAF serializes for fovea's messages, and tests/app/basp_capture.test.cpp
// that a whole cluster's traffic passes (nothing fovea sends is refused).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/basp_wire.hpp"

namespace fovea {

/// How many payload bytes check_direct_message needs at most: a payload
/// this long (or the whole payload, if shorter) decides.
constexpr size_t direct_message_prefix = 1024;

struct direct_message_facts {
  bool named = false;   ///< the header's named-receiver flag
  uint64_t dest = 0;    ///< its dest_actor (an atom when named)
  std::string_view peer; ///< the sender's node id (32 bytes)
};

/// Why the direct message whose payload starts with `prefix` (the whole
/// payload when `complete`) is refused, or "" if it may pass.
std::string check_direct_message(const uint8_t* prefix, size_t size,
                                 bool complete,
                                 const direct_message_facts& facts);

/// Why the error `r` reads next (a down message's reason, or an error
/// reply's) is refused, or "": its context must hold plain values only.
std::string check_error(basp_wire::wire_reader& r);

} // namespace fovea
