// Byte-level peers for tests of the edge: a client that connects (plain or
// TLS) and sends and reads raw bytes with bounded waits, and a stand-in for
// a node's CAF port that answers like a CAF server and counts what reaches
// it. Waiting is on the sockets themselves (a read with a deadline), never
// on sleeps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "edge/tls_credentials.hpp"

namespace fovea::test {

class socket_peer {
public:
  /// Connects to host:port; with `credentials`, completes a TLS handshake
  /// presenting them (null: plain). `tls_without_certificate`: TLS that
  /// presents none. Check connected() / problem().
  socket_peer(const std::string& host, uint16_t port,
              std::shared_ptr<const tls_credentials> credentials = nullptr,
              bool tls_without_certificate = false);

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
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> context_;
  std::optional<boost::asio::ip::tcp::socket> plain_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  bool connected_ = false;
  std::string problem_;
};

/// Stands in for a node's CAF port: accepts on loopback, sends each new
/// connection a server handshake (as CAF does), then echoes what it gets.
class fake_caf_port {
public:
  explicit fake_caf_port(bool echo = true);
  ~fake_caf_port();

  uint16_t port() const noexcept { return port_; }

  /// Bytes received over all connections.
  uint64_t received() const noexcept { return received_; }
  int connections() const noexcept { return connections_; }

  /// The server handshake it sends.
  const std::vector<uint8_t>& greeting() const noexcept { return greeting_; }

private:
  void accept();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  bool echo_;
  uint16_t port_ = 0;
  std::vector<uint8_t> greeting_;
  std::atomic<uint64_t> received_{0};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

} // namespace fovea::test
