// Byte-level peers for tests of the edge: a client that connects (plain or
// TLS, or takes a socket the edge dialled) and sends and reads raw bytes
// with bounded waits, and a stand-in for a node's CAF that takes the
// connections the edge hands it, answers like a CAF server and counts what
// reaches it. Waiting is on the sockets themselves (a read with a
// deadline) or on a condition variable, never on sleeps.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <caf/node_id.hpp>

#include "edge/edge_core.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea::test {

class socket_peer {
public:
  /// Connects to host:port (from address `from`, if given: 127.0.0.7, say,
  /// to count as another host); with `credentials`, completes a TLS
  /// handshake presenting them (null: plain). `tls_without_certificate`:
  /// TLS that presents none. Check connected() / problem().
  socket_peer(const std::string& host, uint16_t port,
              std::shared_ptr<const tls_credentials> credentials = nullptr,
              bool tls_without_certificate = false,
              const std::string& from = {});

  /// Takes one end of a socket pair (what an edge's dial gives CAF).
  explicit socket_peer(int fd);

  bool connected() const noexcept { return connected_; }
  const std::string& problem() const noexcept { return problem_; }

  /// Sends all of `bytes`; false if the connection is gone.
  bool send(const std::vector<uint8_t>& bytes);

  /// Reads until `count` bytes arrived (or the connection closed, or
  /// `timeout` passed); returns what arrived.
  std::vector<uint8_t> read(size_t count, std::chrono::milliseconds timeout);

  /// True once the other side closed the connection; false if it was still
  /// open after `timeout` (bytes that arrive meanwhile are discarded).
  bool closed_within(std::chrono::milliseconds timeout);

  /// "TLSv1.3" etc. after a TLS handshake.
  std::string tls_version();

private:
  int fd();
  size_t read_some(std::vector<uint8_t>& chunk, boost::system::error_code& ec);

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> context_;
  std::optional<boost::asio::ip::tcp::socket> plain_;
  std::optional<boost::asio::local::stream_protocol::socket> local_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  bool connected_ = false;
  std::string problem_;
};

/// Stands in for a node's CAF behind an edge: takes each connection the
/// edge hands it (a socket pair's end), greets it with a server handshake
/// (as CAF does) offering actor 1, and counts what reaches it.
class fake_caf {
public:
  fake_caf();
  ~fake_caf();

  /// What the edge is attached to.
  caf_side side();

  /// The node it speaks for (not the test's actor system's).
  static caf::node_id node();

  /// Bytes received over all connections.
  uint64_t received() const;
  /// True once `bytes` have arrived in all, false after `timeout`.
  bool wait_for_bytes(uint64_t bytes, std::chrono::milliseconds timeout);
  int connections() const noexcept { return connections_; }

  /// The server handshake it sends.
  const std::vector<uint8_t>& greeting() const noexcept { return greeting_; }

private:
  boost::asio::io_context io_;
  std::vector<uint8_t> greeting_;
  std::string node_key_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  uint64_t received_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

} // namespace fovea::test
