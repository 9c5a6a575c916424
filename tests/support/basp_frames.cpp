#include "tests/support/basp_frames.hpp"

#include "messages/type_ids.hpp"

namespace fovea::test {

namespace basp = caf::io::basp;

bytes basp_frame(caf::actor_system& sys, basp::message_type op,
                 uint64_t operation_data, caf::actor_id source,
                 caf::actor_id dest, const std::vector<char>& payload,
                 std::optional<uint32_t> claimed_len, uint8_t flags) {
  basp::header hdr{op,
                   flags,
                   claimed_len.value_or(static_cast<uint32_t>(payload.size())),
                   operation_data,
                   source,
                   dest};
  auto out = serialized(sys, hdr);
  out.insert(out.end(), payload.begin(), payload.end());
  return {out.begin(), out.end()};
}

bytes client_handshake(caf::actor_system& sys, const caf::node_id& node) {
  return basp_frame(sys, basp::message_type::client_handshake, 0, 0, 0,
                    serialized(sys, node));
}

bytes server_handshake(caf::actor_system& sys, const caf::node_id& node) {
  return basp_frame(sys, basp::message_type::server_handshake, 1, 0, 0,
                    serialized(sys, node,
                               std::vector<std::string>{"generic-caf"},
                               caf::actor_id{1}, std::set<std::string>{}));
}

bytes direct_message_of(caf::actor_system& sys, caf::actor_id dest,
                        const caf::message& content, uint8_t flags,
                        std::vector<caf::strong_actor_ptr> stages,
                        caf::actor_id source) {
  return basp_frame(sys, basp::message_type::direct_message, 0, source, dest,
                    serialized(sys, stages, content), {}, flags);
}

bytes direct_message(caf::actor_system& sys, size_t size) {
  return direct_message_of(
    sys, 1, caf::make_message(drain_atom::value, std::string(size, 'x')));
}

bytes four_gib_header() {
  bytes header(32, 0);
  header[0] = 0x01;
  header[4] = 0xFF;
  header[5] = 0xFF;
  header[6] = 0xFF;
  header[7] = 0xF0;
  return header;
}

caf::node_id some_other_node(uint32_t pid) {
  caf::node_id::default_data::host_id_type host{};
  host.fill(7);
  return caf::make_node_id(pid, host);
}

} // namespace fovea::test
