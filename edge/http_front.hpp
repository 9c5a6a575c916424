// http_front: a node's one HTTP server (/metrics, /healthz and /readyz
// today; the status page and the inference protocol build on it). Plain
// C++ over Boost.Beast, no actors inside, on an Asio loop and thread of its
// own rather than the edge's: a scrape's formatting (and, later, parsing
// an inference request's images) never delays the relaying of CAF's
// frames, and a flood of HTTP connections never competes with the edge's.
//
// Guarantees:
// - no client holds a thread: every accept, handshake, read and write is
//   asynchronous on the one loop, and handlers (which run on it) only read
//   what the node publishes (atomics, prometheus-cpp's families);
// - each request has one deadline: its TLS handshake, its whole header and
//   body, and the write of its answer each must finish within
//   `request_timeout`, and a kept-alive connection idles no longer; a slow
//   or silent client is closed, others are not slowed;
// - at most `max_connections` connections, and `max_connections_per_address`
//   from one address (or IPv6 /64), are open; the rest are closed at once;
// - a request's header block is at most 8 KiB (431 past it) and its body at
//   most `max_body_bytes` (413); a malformed request gets 400; each answer
//   closes the connection after a framing error;
// - with credentials it speaks only TLS with the edge's policy (mutual,
//   the cluster CA and its revocation list, TLS 1.2+, AEAD ciphers), and
//   each route names the roles that may use it: a certificate of another
//   role gets 403. Without credentials (loopback, or fovea.insecure) every
//   client is unauthenticated and every route is open, as on a plain edge;
// - the destructor stops the loop and joins its thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "edge/peer_identity.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea {

struct http_request {
  std::string method; ///< "GET", ...
  std::string path;   ///< the target without its query
  std::string query;  ///< after '?', if any
  std::string body;
  peer_identity who; ///< the client's certificate (unauthenticated: none)
};

struct http_answer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct http_route {
  std::string method = "GET";
  std::string path;
  /// Who may use it when the front speaks TLS.
  std::set<peer_role> roles;
  std::function<http_answer(const http_request&)> handler;
};

struct http_front_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0; ///< 0: any free port
  /// The node's checked TLS files; null: plain HTTP.
  std::shared_ptr<const tls_credentials> credentials;
  std::chrono::milliseconds request_timeout{5000};
  size_t max_connections = 64;
  size_t max_connections_per_address = 16;
  size_t max_body_bytes = 0; ///< requests carry no body yet
  /// One line for the node's log, rate-limited by the caller's log.
  std::function<void(const std::string&)> say;
};

class http_front {
public:
  /// Binds and starts serving `routes`; nullptr after putting why into
  /// `problem` (the address is taken or cannot be resolved).
  static std::unique_ptr<http_front> start(http_front_options options,
                                           std::vector<http_route> routes,
                                           std::string& problem);

  ~http_front();
  http_front(const http_front&) = delete;
  http_front& operator=(const http_front&) = delete;

  uint16_t port() const noexcept { return port_; }
  bool tls() const noexcept { return tls_; }

  /// "http://127.0.0.1:9464" or "https://...".
  std::string url() const;

  struct loop;

private:
  http_front() = default;

  std::unique_ptr<loop> loop_;
  std::thread thread_;
  std::string host_;
  uint16_t port_ = 0;
  bool tls_ = false;
};

} // namespace fovea
