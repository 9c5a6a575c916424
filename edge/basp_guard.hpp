// basp_guard: checks the frames of CAF 0.17's wire protocol (BASP) that
// flow from the network towards a node's CAF port, as they stream past,
// before CAF acts on them.
//
// CAF trusts what it reads: a 32-byte header that claims a 4 GiB payload
// makes it allocate 4 GiB before any handshake, and a routed message names
// its own source node. For the bytes fed to it, the guard guarantees:
// - no header claims more payload than the limit (64 KiB until the peer's
//   handshake is through): such a header is refused once its 32 bytes are
//   in, and CAF, which waits for a whole header, never acts on it;
// - every header obeys CAF's own validity rules (basp::valid) and is of a
//   kind fovea's star topology uses: the sender's handshake first, then
//   direct messages, monitor and down messages and heartbeats; never a
//   routed message, never the other side's handshake;
// - the sender names one node: its handshake's node id (CAF's 32-byte
//   "default" form) stays the same, and every monitor and down message
//   names it as the source.
// It keeps at most one header and 32 bytes of payload, whatever it is fed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace fovea {

/// Which end of the BASP connection sends the checked bytes.
enum class basp_sender {
  client, ///< the node that connected (its handshake is client_handshake)
  server, ///< the node that accepted (server_handshake)
};

class basp_guard {
public:
  static constexpr size_t header_size = 32;
  static constexpr size_t node_size = 32; ///< a serialized default node_id
  static constexpr uint32_t handshake_limit = 64 * 1024;

  basp_guard(basp_sender sender, uint32_t max_payload);

  struct verdict {
    std::string refusal;     ///< empty: the bytes may pass
    bool node_named = false; ///< the sender's node became known just now
  };

  /// Checks the next `size` bytes of the stream.
  verdict feed(const uint8_t* data, size_t size);

  /// The sender's node id as serialized by CAF; empty until its handshake
  /// named it.
  const std::string& node() const noexcept { return node_; }

  /// True once a complete frame of the sender's handshake has passed.
  bool handshaken() const noexcept { return handshaken_; }

private:
  std::string check_header();
  std::string check_node_field();

  basp_sender sender_;
  uint32_t max_payload_;
  std::array<uint8_t, header_size> header_{};
  size_t header_have_ = 0;
  uint8_t operation_ = 0;
  uint64_t payload_left_ = 0;
  // The first node_size bytes of a payload that names a node, collected.
  bool collect_node_ = false;
  std::string field_;
  std::string node_;
  bool handshaken_ = false;
  bool frame_is_handshake_ = false;
};

} // namespace fovea
