// basp_peer: what an attacker holding a certificate can say to a node, in
// CAF's wire protocol, byte by byte, over a real TLS session: any node id
// in its handshake, any frame after it. Frames are made with CAF's own
// serializer (basp_frames); what comes back is read with bounded waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/message.hpp>
#include <caf/node_id.hpp>

#include "tests/support/basp_frames.hpp"
#include "tests/support/socket_peer.hpp"

namespace fovea::test {

class basp_peer {
public:
  /// Connects to host:port with `credentials` (null: plain) and, with TLS,
  /// reads the server's handshake (a plain edge sends it only after ours,
  /// in hello). Check ready() / problem().
  basp_peer(caf::actor_system& sys, const std::string& host, uint16_t port,
            std::shared_ptr<const tls_credentials> credentials);

  bool ready() const noexcept { return ready_; }
  const std::string& problem() const noexcept { return problem_; }

  /// What the server's handshake said: its node and the actor it offers
  /// (with TLS from the start, plain once hello() returned).
  const caf::node_id& server_node() const noexcept { return server_node_; }
  caf::actor_id offered() const noexcept { return offered_; }

  /// Sends a client handshake naming `node` (and CAF's second one, with
  /// select_connection_flag, as CAF does, once the server's is read).
  bool hello(const caf::node_id& node);

  /// Sends raw bytes.
  bool send(const bytes& frame) { return socket_.send(frame); }

  /// Sends `content` as a request from actor `from` to the offered actor
  /// and returns the reply's content; nothing if no reply came within
  /// `timeout` (or the connection closed).
  std::optional<caf::message> ask(const caf::message& content,
                                  caf::actor_id from = 7,
                                  std::chrono::milliseconds timeout
                                  = std::chrono::seconds(10));

  /// True once the other side closed the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    return socket_.closed_within(timeout);
  }

private:
  bool read_server_handshake();
  std::optional<std::pair<caf::io::basp::header, bytes>>
  read_frame(std::chrono::milliseconds timeout);

  caf::actor_system& sys_;
  socket_peer socket_;
  bool ready_ = false;
  std::string problem_;
  caf::node_id server_node_;
  caf::actor_id offered_ = 0;
  uint64_t next_request_ = 1;
};

} // namespace fovea::test
