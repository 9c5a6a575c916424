// basp_guard: the allow-list of CAF 0.17's wire protocol (BASP) for one
// connection of the edge. It checks every frame that flows from the network
// towards this node's CAF, as the bytes stream past, and watches the frames
// this node's CAF sends back, to know which of its actors the peer may
// answer. A frame not on the list closes the connection before CAF has all
// of it (CAF acts on a frame only once its last byte is in).
//
// What a fovea node legitimately receives, with the CAF 0.17.6 code that
// sends it (libcaf_io/src/io/basp/instance.cpp, basp_broker.cpp):
//
// - on a connection it accepted: the connecting node's client handshake,
//   its node id and nothing else (instance::write_client_handshake, from
//   basp_broker's connect_atom handler), once with no flags and at most once
//   more with select_connection_flag (instance::handle, on the server
//   handshake); on a connection it made: the server handshake once
//   (write_server_handshake, on new_connection_msg or publish_atom);
// - heartbeats (instance::send_heartbeats; fovea turns them on);
// - direct messages (instance::dispatch) to the actor this node published
//   on the connection (named in its own server handshake) or to an actor
//   this node sent from on this connection (the source_actor of its
//   outgoing frames: replies and requests to it), with no flags, an empty
//   forwarding stack and a content on basp_messages' list; and the one
//   named message, `(sys, get, "info")` to "SpawnServ"
//   (basp_broker::learned_new_node);
// - monitor messages (write_monitor_message, from basp_broker's
//   monitor_atom handler) and down messages (write_down_message, from
//   send_basp_down_message) whose source is the connection's node and whose
//   destination is this node.
//
// Everything else is refused: routed messages (fovea's nodes talk
// directly), the other side's handshake, a second server handshake or a
// third client one, any handshake naming this node's own id (CAF 0.17
// would take it: instance::handle has no such check for client
// handshakes) or another id than the connection's first, unknown flag
// bits, named messages to any other name or of any other content, monitor
// and down messages naming a third node, and every header that breaks
// CAF's own rules (basp::valid) or claims more payload than the limit
// (64 KiB until the handshake is through, fovea.max-message-bytes after).
//
// It keeps at most one header, 1 KiB of one payload and a bounded set of
// actor ids, whatever it is fed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "edge/basp_wire.hpp"

namespace fovea {

/// Which end of the BASP connection the network side is.
enum class basp_sender {
  client, ///< the node that connected (its handshake is client_handshake)
  server, ///< the node that accepted (server_handshake)
};

class basp_guard {
public:
  static constexpr uint32_t handshake_limit = 64 * 1024;
  /// Actor ids of this node remembered per connection, the one that sent
  /// least recently forgotten first (it has most likely ended; one that
  /// keeps sending, a worker or a shell of weeks, is never forgotten).
  static constexpr size_t remembered_actors = 4096;

  /// `local_node`: this node's id as CAF serializes it (32 bytes).
  basp_guard(basp_sender sender, uint32_t max_payload, std::string local_node);

  struct verdict {
    std::string refusal;     ///< empty: the bytes may pass
    bool node_named = false; ///< the sender's node became known just now
  };

  /// Checks the next `size` bytes from the network.
  verdict feed(const uint8_t* data, size_t size);

  /// Watches the next `size` bytes this node's CAF sends to the network
  /// (they are trusted; they tell which actors the peer may address).
  void observe(const uint8_t* data, size_t size);

  /// The sender's node id as serialized by CAF; empty until its handshake
  /// named it.
  const std::string& node() const noexcept { return node_; }

  /// True once a complete frame of the sender's handshake has passed.
  bool handshaken() const noexcept { return handshaken_; }

  /// The largest payload any header from the network has announced: what
  /// CAF's buffer for this connection grows to (it never shrinks).
  uint32_t largest_payload() const noexcept { return largest_payload_; }

private:
  std::string check_header();
  std::string check_handshake_node(std::string_view node);
  std::string check_payload();
  std::string check_node_pair(basp_wire::wire_reader& r);
  void remember(uint64_t actor);
  void observe_frame();

  basp_sender sender_;
  uint32_t max_payload_;
  std::string local_node_;

  // The network side, as it streams.
  uint8_t header_bytes_[basp_wire::header_size] = {};
  size_t header_have_ = 0;
  basp_wire::header header_;
  uint64_t payload_left_ = 0;
  size_t inspect_ = 0; ///< payload bytes to collect before checking
  std::vector<uint8_t> payload_; ///< the collected first bytes
  std::string node_;
  int handshakes_ = 0; ///< of the sender's kind, so far
  bool handshaken_ = false;
  uint32_t largest_payload_ = 0;

  // This node's side, as it streams (only what the checks need).
  uint8_t out_header_bytes_[basp_wire::header_size] = {};
  size_t out_header_have_ = 0;
  basp_wire::header out_header_;
  uint64_t out_payload_left_ = 0;
  size_t out_inspect_ = 0;
  std::vector<uint8_t> out_payload_;
  uint64_t published_ = 0; ///< the actor this node's server handshake named
  /// This node's actors seen as senders, least recently first, and where
  /// each stands in that order.
  std::list<uint64_t> actor_order_;
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> actors_;
};

} // namespace fovea
