// BASP frames as CAF 0.17 writes them (its own header type and binary
// serializer), for tests that speak to an edge or a node at the byte level.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/message.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/node_id.hpp>

namespace fovea::test {

using bytes = std::vector<uint8_t>;

/// A header (claiming `claimed_len`, or the payload's size) and a payload.
bytes basp_frame(caf::actor_system& sys, caf::io::basp::message_type op,
                 uint64_t operation_data, caf::actor_id source,
                 caf::actor_id dest, const std::vector<char>& payload,
                 std::optional<uint32_t> claimed_len = {}, uint8_t flags = 0);

/// CAF's binary serialization of `xs...`.
template <class... Ts>
std::vector<char> serialized(caf::actor_system& sys, Ts&&... xs) {
  std::vector<char> out;
  caf::binary_serializer sink{sys, out};
  sink(xs...);
  return out;
}

/// What a CAF client sends first on a new connection.
bytes client_handshake(caf::actor_system& sys, const caf::node_id& node);

/// What a CAF server sends first on a new connection.
bytes server_handshake(caf::actor_system& sys, const caf::node_id& node);

/// A direct message to actor `dest` with `content`, as CAF's
/// instance::dispatch writes it: the forwarding stack (empty unless
/// `stages` are given), then the message.
bytes direct_message_of(caf::actor_system& sys, caf::actor_id dest,
                        const caf::message& content, uint8_t flags = 0,
                        std::vector<caf::strong_actor_ptr> stages = {},
                        caf::actor_id source = 7);

/// A direct message to actor 1 (what fake_caf offers) of at least `size`
/// bytes of payload: a drain request whose worker id pads it out.
bytes direct_message(caf::actor_system& sys, size_t size);

/// The header the 4 GiB attack sends: a client handshake that claims
/// 0xFFFFFFF0 bytes of payload (`01 00 00 00 FF FF FF F0`, then zeros).
bytes four_gib_header();

/// A node id that is not this process's.
caf::node_id some_other_node(uint32_t pid = 4242);

} // namespace fovea::test
