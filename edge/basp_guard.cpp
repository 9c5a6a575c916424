#include "edge/basp_guard.hpp"

#include <algorithm>

namespace fovea {

namespace {

// BASP's message types (caf/io/basp/message_type.hpp, CAF 0.17).
enum : uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

// How CAF 0.17 serializes atom("default"), the class of every node id a
// fovea process has (big-endian, as all of BASP; tests/edge check it
// against CAF's own serializer).
constexpr std::array<uint8_t, 8> default_node_class{0x00, 0x00, 0x3e, 0x9a,
                                                    0xab, 0x9b, 0xac, 0x79};

uint64_t read_be(const uint8_t* p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i)
    x = (x << 8) | p[i];
  return x;
}

const char* name_of(uint8_t op) {
  switch (op) {
  case server_handshake:
    return "server handshake";
  case client_handshake:
    return "client handshake";
  case direct_message:
    return "direct message";
  case routed_message:
    return "routed message";
  case monitor_message:
    return "monitor message";
  case down_message:
    return "down message";
  case heartbeat:
    return "heartbeat";
  }
  return "unknown frame";
}

} // namespace

basp_guard::basp_guard(basp_sender sender, uint32_t max_payload)
    : sender_(sender), max_payload_(max_payload) {
}

basp_guard::verdict basp_guard::feed(const uint8_t* data, size_t size) {
  verdict result;
  while (size > 0) {
    if (payload_left_ == 0) {
      // Collecting a header.
      auto take = std::min(size, header_size - header_have_);
      std::copy_n(data, take, header_.begin() + header_have_);
      header_have_ += take;
      data += take;
      size -= take;
      if (header_have_ < header_size)
        break;
      header_have_ = 0;
      if (auto why = check_header(); !why.empty()) {
        result.refusal = std::move(why);
        return result;
      }
      if (payload_left_ == 0 && frame_is_handshake_)
        handshaken_ = true;
      continue;
    }
    // Inside a payload: only a node field needs looking at.
    auto take = static_cast<size_t>(std::min<uint64_t>(size, payload_left_));
    if (collect_node_) {
      auto want = std::min(take, node_size - field_.size());
      field_.append(reinterpret_cast<const char*>(data), want);
      if (field_.size() == node_size) {
        collect_node_ = false;
        bool was_known = !node_.empty();
        if (auto why = check_node_field(); !why.empty()) {
          result.refusal = std::move(why);
          return result;
        }
        if (!was_known)
          result.node_named = true;
      }
    }
    payload_left_ -= take;
    data += take;
    size -= take;
    if (payload_left_ == 0 && frame_is_handshake_)
      handshaken_ = true;
  }
  return result;
}

std::string basp_guard::check_header() {
  const auto* h = header_.data();
  operation_ = h[0];
  auto payload_len = static_cast<uint32_t>(read_be(h + 4, 4));
  auto operation_data = read_be(h + 8, 8);
  auto source_actor = read_be(h + 16, 8);
  auto dest_actor = read_be(h + 24, 8);
  auto own_handshake =
      sender_ == basp_sender::client ? client_handshake : server_handshake;
  auto other_handshake =
      sender_ == basp_sender::client ? server_handshake : client_handshake;
  auto frame = std::string{name_of(operation_)};
  if (operation_ > heartbeat)
    return "not a CAF frame (type byte " + std::to_string(operation_) + ")";
  if (operation_ == routed_message)
    return "a routed message: fovea's nodes talk directly";
  if (operation_ == other_handshake)
    return "a " + frame + " from the wrong side of the connection";
  if (node_.empty() && operation_ != own_handshake)
    return "a " + frame + " before the handshake";
  auto limit = handshaken_ ? max_payload_ : handshake_limit;
  if (payload_len > limit)
    return "a " + frame + " of " + std::to_string(payload_len) +
           " bytes, over the limit of " + std::to_string(limit) +
           (handshaken_ ? " (fovea.max-message-bytes)"
                        : " before the handshake");
  // CAF's own rules (basp::valid), so that CAF never sees a header it would
  // drop the connection for only after allocating.
  bool valid = true;
  switch (operation_) {
  case server_handshake:
    valid = operation_data != 0;
    break;
  case client_handshake:
    valid = source_actor == 0 && dest_actor == 0;
    break;
  case direct_message:
    valid = dest_actor != 0 && payload_len != 0;
    break;
  case monitor_message:
    valid = payload_len != 0 && operation_data == 0;
    break;
  case down_message:
    valid = source_actor != 0 && dest_actor == 0 && payload_len != 0 &&
            operation_data == 0;
    break;
  case heartbeat:
    valid = source_actor == 0 && dest_actor == 0 && payload_len == 0 &&
            operation_data == 0;
    break;
  }
  if (!valid)
    return "a malformed " + frame + " header";
  // A client's handshake is its node id and nothing else.
  if (operation_ == client_handshake && payload_len != node_size)
    return "a client handshake of " + std::to_string(payload_len) +
           " bytes, not a node id";
  frame_is_handshake_ = operation_ == own_handshake;
  payload_left_ = payload_len;
  collect_node_ = operation_ == own_handshake ||
                  operation_ == monitor_message || operation_ == down_message;
  field_.clear();
  if (collect_node_ && payload_len < node_size)
    return "a " + frame + " too short to name its node";
  return {};
}

std::string basp_guard::check_node_field() {
  auto frame = std::string{name_of(operation_)};
  if (!std::equal(default_node_class.begin(), default_node_class.end(),
                  field_.begin(), [](uint8_t expected, char got) {
                    return expected == static_cast<uint8_t>(got);
                  }))
    return "a " + frame + " that does not name a node the usual way";
  if (node_.empty()) {
    node_ = field_;
    return {};
  }
  if (field_ != node_)
    return "a " + frame + " that names another node than its handshake";
  return {};
}

} // namespace fovea
