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
//   most `max_body_bytes` (413); with `max_body_bytes_held`, the bodies of
//   the requests not yet answered hold at most that many bytes in all
//   (each charged its Content-Length, a chunked one its limit, from its
//   header until its answer): past it a request gets 503 from its header
//   and its body is never read; a malformed request gets 400; each answer
//   closes the connection after a framing error;
// - with credentials it speaks only TLS with the edge's policy (mutual,
//   the cluster CA and its revocation list, TLS 1.2+, AEAD ciphers), and
//   each route names the roles that may use it: a certificate of another
//   role gets 403, answered from the request's header: the body of a
//   request refused (403, 404, 405) is never read. Without credentials (loopback, or fovea.insecure) every
//   client is unauthenticated and every route is open, as on a plain edge;
// - a route may answer later, from another thread (http_responder): the
//   client gets that answer, or 504 past `answer_timeout`, and a client
//   that goes away meanwhile marks its request abandoned; an answer that
//   comes after the front stopped is dropped, never touches freed memory;
// - the destructor stops the loop and joins its thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
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
  /// Its header fields as sent, names in lower case (at most 8 KiB).
  std::vector<std::pair<std::string, std::string>> headers;

  /// The value of header field `name` (lower case), or "".
  std::string header(std::string_view name) const;
};

struct http_answer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  /// More header fields (Content-Length, Connection and Cache-Control
  /// are the front's).
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Answers one request later, from any thread. The first call answers; a
/// later one, or one after the client went, the answer's deadline passed
/// (504) or the front stopped, does nothing. Cheap to copy.
class http_responder {
public:
  struct state;
  explicit http_responder(std::shared_ptr<state> state);

  void operator()(http_answer answer) const;

  /// True once no answer can reach the client any more: a caller drops
  /// work queued for it.
  bool abandoned() const;

  /// Runs `hook` once when the request is abandoned (on the front's
  /// thread, or the one destroying the front), or now if it already is:
  /// a caller drops queued work then.
  void when_abandoned(std::function<void()> hook) const;

private:
  std::shared_ptr<state> state_;
};

struct http_route {
  std::string method = "GET";
  /// The path; with `prefix`, every path that starts with it.
  std::string path;
  bool prefix = false;
  /// Who may use it when the front speaks TLS.
  std::set<peer_role> roles;
  /// Answers at once, on the front's thread (it must not block)...
  std::function<http_answer(const http_request&)> handler;
  /// ...or later, through the responder: within the front's
  /// answer_timeout, or the client gets 504. The connection reads nothing
  /// more meanwhile; a client that closes it abandons the request.
  std::function<void(http_request, http_responder)> answer_later;
  /// The largest body it takes (413 past it); 0: the front's
  /// max_body_bytes.
  size_t max_body_bytes = 0;
};

struct http_front_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0; ///< 0: any free port
  /// The node's checked TLS files; null: plain HTTP.
  std::shared_ptr<const tls_credentials> credentials;
  std::chrono::milliseconds request_timeout{5000};
  size_t max_connections = 64;
  size_t max_connections_per_address = 16;
  size_t max_body_bytes = 0; ///< for routes that set none
  /// The bodies of requests not yet answered, in all; 0: no bound beyond
  /// max_connections times the largest body.
  uint64_t max_body_bytes_held = 0;
  /// How long a route that answers later may take (then 504).
  std::chrono::milliseconds answer_timeout{30000};
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
