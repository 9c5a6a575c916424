// edge_core: what the parts of one edge share (inside edge/ only): its
// network thread's io_context, its limits and TLS contexts, the node's CAF
// (its id, and how to hand it a connection), the sessions its sweep
// watches, the connections in their handshake and per certificate, the
// bytes CAF may buffer, which node each relayed connection speaks for, why
// routes failed, and a rate-limited log.
//
// Guarantees: everything but identify/claim/release/failure/say runs on
// the edge's one network thread, which needs no locks; those five are
// safe from any thread. A node is claimed by at most one live connection,
// and never this node's own id.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "edge/connection_limits.hpp"
#include "edge/inflight_budget.hpp"
#include "edge/peer_identity.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea {

using edge_clock = std::chrono::steady_clock;

struct edge_limits {
  uint32_t max_message_bytes = 72u << 20; ///< largest BASP payload relayed
  size_t max_connections = 512;           ///< inbound, in all
  size_t max_connections_per_address = 64;
  /// From accept (or dial) until the TLS handshake is done, or, without
  /// TLS, until the peer's first bytes arrive.
  std::chrono::milliseconds handshake_timeout{10000};
  /// Longest silence from the network side of a relayed connection (CAF's
  /// heartbeats keep a live one talking).
  std::chrono::milliseconds idle_timeout{60000};
  /// Longest silence from a peer's CAF (CAF's middleman.connection-timeout;
  /// 0: none), held here rather than by CAF: CAF 0.17.6 starts the clock of
  /// a connection it dialled at the epoch, so its check dropped any dial
  /// whose handshake had not come back by CAF's next heartbeat tick (a
  /// peer 500 ms away, always; a loaded one, sometimes).
  std::chrono::milliseconds peer_silence_timeout{0};
  /// Longest a write towards the network may wait for the peer to read:
  /// past it, the peer has stopped reading and CAF would buffer towards it
  /// without bound.
  std::chrono::milliseconds write_stall_timeout{30000};
  /// Bytes of frames CAF may buffer across all connections (inflight_budget).
  size_t max_inflight_bytes = 160u << 20;
  /// Inbound connections still in their TLS handshake (or, plain, before
  /// their first bytes), in all and from one source address (or IPv6
  /// /64): a few hosts that stall handshakes cannot keep others out.
  size_t max_handshakes = 64;
  size_t max_handshakes_per_address = 8;
  /// Live inbound connections with one certificate name.
  size_t max_connections_per_certificate = 32;
};

/// This node's CAF, as the edge hands it connections.
struct caf_side {
  /// This node's id as CAF serializes it (32 bytes): no peer may claim it.
  std::string node;
  /// Takes one end of a connected socket pair as a new connection from the
  /// network, on which CAF offers the node's published actor (inbound
  /// edges only); false, and `problem`, if CAF could not take it.
  std::function<bool(int fd, std::string& problem)> accept;
};

/// One connection the sweep looks after: it closes itself once it is past
/// its deadline (a handshake that takes too long, a peer gone quiet).
class edge_session {
public:
  virtual ~edge_session() = default;
  virtual void sweep(edge_clock::time_point now) = 0;
  /// Closes it now, saying why (network thread only).
  virtual void close_now(const std::string& why) = 0;
};

class edge_core {
public:
  edge_core(edge_limits limits,
            std::shared_ptr<const tls_credentials> credentials,
            std::function<void(const std::string&)> say);

  const edge_limits limits;
  const std::shared_ptr<const tls_credentials> credentials; ///< null: plain
  std::unique_ptr<boost::asio::ssl::context> server_tls;
  std::unique_ptr<boost::asio::ssl::context> client_tls;
  connection_limits connections; ///< inbound; network thread only
  inflight_budget inflight;      ///< network thread only
  caf_side caf;                  ///< set once by edge::attach
  connection_limits handshakes;  ///< inbound ones; network thread only
  /// Live inbound connections by certificate name; network thread only.
  std::map<std::string, size_t> by_certificate;

  /// Adds a session to the sweep (network thread only).
  void watch(std::weak_ptr<edge_session> session);

  /// Calls sweep() on every live session (network thread only).
  void sweep_sessions();

  /// Records that the relayed connection of `who` speaks for `node` (the
  /// node id its handshake named); false if it is this node's own id, or a
  /// live connection of another identity (certificate, or without TLS,
  /// host) speaks for it. One node may hold several connections of its own
  /// (CAF closes the redundant ones itself).
  bool claim(const std::string& node, const peer_identity& who);
  void release(const std::string& node);
  std::optional<peer_identity> identify(std::string_view node) const;

  /// Remembers which session speaks for `node` (network thread only).
  void bind(const std::string& node, std::weak_ptr<edge_session> session);
  /// Closes the session that speaks for `node`, if any (any thread: the
  /// work is posted to the network thread).
  void disconnect(std::string node, std::string why);

  void fail(const std::string& route, const std::string& why);
  void succeed(const std::string& route);
  std::string failure(const std::string& route) const;

  /// One line for the node's log, at most a few a second: under a flood of
  /// refused connections, the rest are counted and the count said later.
  void say(const std::string& line);

private:
  std::list<std::weak_ptr<edge_session>> sessions_;
  /// Network thread only; expired entries go at the next bind.
  std::map<std::string, std::weak_ptr<edge_session>> bound_;
  mutable std::mutex mutex_;
  struct claimed {
    peer_identity who;
    size_t connections = 0;
  };
  std::map<std::string, claimed, std::less<>> nodes_;
  std::map<std::string, std::string> failures_;
  std::function<void(const std::string&)> say_;
  edge_clock::time_point window_start_{};
  int said_in_window_ = 0;
  int suppressed_ = 0;

public:
  // Last, so that it is destroyed first: pending handlers hold sessions,
  // which use everything above.
  boost::asio::io_context io;
};

/// "host:port" of an endpoint, with brackets for IPv6.
template <class Endpoint>
std::string address_text(const Endpoint& endpoint) {
  auto host = endpoint.address().to_string();
  if (endpoint.address().is_v6())
    host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

} // namespace fovea
