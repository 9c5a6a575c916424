#include "tests/support/basp_peer.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/message_id.hpp>

namespace fovea::test {

namespace basp = caf::io::basp;

namespace {

template <class... Ts>
bool deserialize(caf::actor_system& sys, const bytes& payload, Ts&... xs) {
  std::vector<char> buffer(payload.begin(), payload.end());
  caf::binary_deserializer source{sys, buffer};
  return !source(xs...);
}

} // namespace

basp_peer::basp_peer(caf::actor_system& sys, const std::string& host,
                     uint16_t port,
                     std::shared_ptr<const tls_credentials> credentials)
    : sys_(sys), socket_(host, port, credentials) {
  if (!socket_.connected()) {
    problem_ = "cannot connect: " + socket_.problem();
    return;
  }
  // A plain edge hands a connection to CAF only once it speaks: its
  // handshake comes after ours.
  ready_ = credentials ? read_server_handshake() : true;
}

bool basp_peer::read_server_handshake() {
  auto frame = read_frame(std::chrono::seconds(10));
  if (!frame || frame->first.operation != basp::message_type::server_handshake) {
    problem_ = "no server handshake";
    return false;
  }
  std::vector<std::string> app_ids;
  std::set<std::string> interface;
  if (!deserialize(sys_, frame->second, server_node_, app_ids, offered_,
                   interface)) {
    problem_ = "an unreadable server handshake";
    return false;
  }
  return true;
}

bool basp_peer::hello(const caf::node_id& node) {
  auto again = basp_frame(sys_, basp::message_type::client_handshake, 0, 0, 0,
                          serialized(sys_, node), {},
                          basp::header::select_connection_flag);
  if (!send(client_handshake(sys_, node)))
    return false;
  if (!server_node_ && !read_server_handshake())
    return false;
  return send(again);
}

std::optional<std::pair<basp::header, bytes>>
basp_peer::read_frame(std::chrono::milliseconds timeout) {
  auto head = socket_.read(basp::header_size, timeout);
  if (head.size() != basp::header_size)
    return std::nullopt;
  basp::header hdr;
  if (!deserialize(sys_, head, hdr))
    return std::nullopt;
  auto payload = socket_.read(hdr.payload_len, timeout);
  if (payload.size() != hdr.payload_len)
    return std::nullopt;
  return std::make_pair(hdr, std::move(payload));
}

std::optional<caf::message> basp_peer::ask(const caf::message& content,
                                           caf::actor_id from,
                                           std::chrono::milliseconds timeout) {
  auto request = caf::make_message_id(next_request_++);
  auto frame = basp_frame(
      sys_, basp::message_type::direct_message, request.integer_value(), from,
      offered_, serialized(sys_, std::vector<caf::strong_actor_ptr>{}, content));
  if (!send(frame))
    return std::nullopt;
  auto wanted = request.response_id().integer_value();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Other frames come too (heartbeats, the node's discovery of this one):
  // read past them to the reply.
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    auto got = read_frame(left);
    if (!got)
      return std::nullopt;
    auto& [hdr, payload] = *got;
    if (hdr.operation != basp::message_type::direct_message
        || hdr.operation_data != wanted)
      continue;
    std::vector<caf::strong_actor_ptr> stages;
    caf::message reply;
    // Proxies for the node's actors need a proxy registry this test's
    // system lacks: replies carry none.
    if (!deserialize(sys_, payload, stages, reply))
      return std::nullopt;
    return reply;
  }
}

} // namespace fovea::test
