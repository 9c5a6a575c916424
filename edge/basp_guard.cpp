#include "edge/basp_guard.hpp"

#include <algorithm>

#include "edge/basp_messages.hpp"

namespace fovea {

namespace {

using namespace basp_wire;

// The most a down message's payload needs: two node ids and an error whose
// context is a few plain values.
constexpr uint32_t down_limit = 4096;
// What the guard reads of this node's own server handshake: its node id,
// application ids and published actor come first; the interface after them
// may be long and is not needed.
constexpr size_t own_handshake_prefix = 4096;

std::string frame_text(uint8_t operation) {
  return std::string{"a "} + name_of(operation);
}

} // namespace

basp_guard::basp_guard(basp_sender sender, uint32_t max_payload,
                       std::string local_node)
    : sender_(sender), max_payload_(max_payload),
      local_node_(std::move(local_node)) {
}

basp_guard::verdict basp_guard::feed(const uint8_t* data, size_t size) {
  verdict result;
  auto own = sender_ == basp_sender::client ? client_handshake
                                            : server_handshake;
  while (size > 0) {
    if (payload_left_ == 0) {
      auto take = std::min(size, header_size - header_have_);
      std::copy_n(data, take, header_bytes_ + header_have_);
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
      continue;
    }
    auto take = static_cast<size_t>(std::min<uint64_t>(size, payload_left_));
    if (payload_.size() < inspect_) {
      auto want = std::min(take, inspect_ - payload_.size());
      payload_.insert(payload_.end(), data, data + want);
      if (payload_.size() == inspect_) {
        bool knew_node = !node_.empty();
        if (auto why = check_payload(); !why.empty()) {
          result.refusal = std::move(why);
          return result;
        }
        if (!knew_node && !node_.empty())
          result.node_named = true;
      }
    }
    payload_left_ -= take;
    data += take;
    size -= take;
    if (payload_left_ == 0 && header_.operation == own)
      handshaken_ = true;
  }
  return result;
}

std::string basp_guard::check_header() {
  header_ = read_header(header_bytes_);
  auto& h = header_;
  auto own = sender_ == basp_sender::client ? client_handshake
                                            : server_handshake;
  auto other = sender_ == basp_sender::client ? server_handshake
                                              : client_handshake;
  auto frame = frame_text(h.operation);
  if (h.operation > heartbeat)
    return "not a CAF frame (type byte " + std::to_string(h.operation) + ")";
  if (h.operation == routed_message)
    return "a routed message: fovea's nodes talk directly";
  if (h.operation == other)
    return frame + " from the wrong side of the connection";
  if (node_.empty() && h.operation != own)
    return frame + " before the handshake";
  auto limit = handshaken_ ? max_payload_ : handshake_limit;
  if (h.payload_len > limit)
    return frame + " of " + std::to_string(h.payload_len)
           + " bytes, over the limit of " + std::to_string(limit)
           + (handshaken_ ? " (fovea.max-message-bytes)"
                          : " before the handshake");
  if (!caf_valid(h))
    return "a malformed " + std::string{name_of(h.operation)} + " header";
  // Flags: none but the two CAF sets, each on its own frame.
  uint8_t allowed_flags = 0;
  if (h.operation == direct_message)
    allowed_flags = named_receiver_flag;
  else if (h.operation == client_handshake && handshakes_ == 1)
    allowed_flags = select_connection_flag;
  if ((h.flags & ~allowed_flags) != 0)
    return frame + " with flags " + std::to_string(h.flags)
           + " that CAF does not set on it";
  inspect_ = 0;
  payload_.clear();
  switch (h.operation) {
  case server_handshake:
  case client_handshake:
    if (++handshakes_ > (h.operation == client_handshake ? 2 : 1))
      return "one " + std::string{name_of(h.operation)} + " too many";
    if (h.operation == client_handshake && h.payload_len != node_size)
      return "a client handshake of " + std::to_string(h.payload_len)
             + " bytes, not a node id";
    if (h.payload_len < node_size)
      return frame + " too short to name its node";
    inspect_ = node_size;
    break;
  case direct_message:
    if ((h.flags & named_receiver_flag) != 0) {
      if (h.dest_actor != atom_value("SpawnServ"))
        return "a message to a named actor other than SpawnServ";
    } else if (h.dest_actor != published_ && actors_.count(h.dest_actor) == 0) {
      return "a message to actor " + std::to_string(h.dest_actor)
             + ", which this node has not offered on the connection";
    }
    inspect_ = std::min<size_t>(h.payload_len, direct_message_prefix);
    break;
  case monitor_message:
    if (h.payload_len != 2 * node_size)
      return "a monitor message of " + std::to_string(h.payload_len)
             + " bytes, not two node ids";
    inspect_ = h.payload_len;
    break;
  case down_message:
    if (h.payload_len > down_limit)
      return "a down message of " + std::to_string(h.payload_len) + " bytes";
    inspect_ = h.payload_len;
    break;
  default:
    break;
  }
  payload_left_ = h.payload_len;
  largest_payload_ = std::max(largest_payload_, h.payload_len);
  return {};
}

std::string basp_guard::check_handshake_node(std::string_view node) {
  auto frame = frame_text(header_.operation);
  if (node.empty())
    return frame + " that names no node";
  if (node == local_node_)
    return frame + " that names this node itself";
  if (node_.empty()) {
    node_ = std::string{node};
    return {};
  }
  if (node != node_)
    return frame + " that names another node than the first";
  return {};
}

std::string basp_guard::check_node_pair(wire_reader& r) {
  std::string_view source;
  std::string_view dest;
  auto frame = frame_text(header_.operation);
  if (!r.node(source) || !r.node(dest))
    return frame + " that does not name its nodes the usual way";
  if (source != node_)
    return frame + " from another node than the connection's";
  if (dest != local_node_)
    return frame + " for another node than this one";
  return {};
}

std::string basp_guard::check_payload() {
  wire_reader r{payload_.data(), payload_.size()};
  switch (header_.operation) {
  case server_handshake:
  case client_handshake: {
    std::string_view node;
    if (!r.node(node))
      return frame_text(header_.operation)
             + " that does not name a node the usual way";
    return check_handshake_node(node);
  }
  case direct_message: {
    direct_message_facts facts;
    facts.named = (header_.flags & named_receiver_flag) != 0;
    facts.dest = header_.dest_actor;
    facts.peer = node_;
    return check_direct_message(payload_.data(), payload_.size(),
                                payload_.size() == header_.payload_len, facts);
  }
  case monitor_message:
    return check_node_pair(r);
  case down_message: {
    if (auto why = check_node_pair(r); !why.empty())
      return why;
    if (auto why = check_error(r); !why.empty())
      return "a down message whose reason is " + why;
    return {};
  }
  }
  return {};
}

void basp_guard::observe(const uint8_t* data, size_t size) {
  while (size > 0) {
    if (out_payload_left_ == 0) {
      auto take = std::min(size, header_size - out_header_have_);
      std::copy_n(data, take, out_header_bytes_ + out_header_have_);
      out_header_have_ += take;
      data += take;
      size -= take;
      if (out_header_have_ < header_size)
        break;
      out_header_have_ = 0;
      out_header_ = read_header(out_header_bytes_);
      out_payload_left_ = out_header_.payload_len;
      out_payload_.clear();
      out_inspect_ = 0;
      if (out_header_.operation == direct_message
          && out_header_.source_actor != 0)
        remember(out_header_.source_actor);
      if (out_header_.operation == server_handshake)
        out_inspect_ = std::min<size_t>(out_header_.payload_len,
                                        own_handshake_prefix);
      continue;
    }
    auto take = static_cast<size_t>(
        std::min<uint64_t>(size, out_payload_left_));
    if (out_payload_.size() < out_inspect_) {
      auto want = std::min(take, out_inspect_ - out_payload_.size());
      out_payload_.insert(out_payload_.end(), data, data + want);
      if (out_payload_.size() == out_inspect_)
        observe_frame();
    }
    out_payload_left_ -= take;
    data += take;
    size -= take;
  }
}

// This node's own server handshake: node id, application ids, and the
// actor it published on this connection, which the peer may then address.
void basp_guard::observe_frame() {
  wire_reader r{out_payload_.data(), out_payload_.size()};
  std::string_view node;
  uint32_t ids = 0;
  if (!r.node(node) || !r.size(ids))
    return;
  for (uint32_t i = 0; i < ids; ++i) {
    std::string_view id;
    if (!r.text(id))
      return;
  }
  uint64_t actor = 0;
  if (r.u64(actor))
    published_ = actor;
}

void basp_guard::remember(uint64_t actor) {
  if (auto known = actors_.find(actor); known != actors_.end()) {
    actor_order_.splice(actor_order_.end(), actor_order_, known->second);
    return;
  }
  actors_.emplace(actor, actor_order_.insert(actor_order_.end(), actor));
  if (actor_order_.size() > remembered_actors) {
    actors_.erase(actor_order_.front());
    actor_order_.pop_front();
  }
}

} // namespace fovea
