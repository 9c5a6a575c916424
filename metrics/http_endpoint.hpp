// http_endpoint: a node's /metrics, /healthz and /readyz, for Prometheus
// and for a service manager or load balancer's probes.
//
// Guarantees:
// - GET /metrics answers the node's metrics in the Prometheus text format;
//   GET /healthz 200 while the node's actors live, else 503; GET /readyz
//   200 when the node is ready (node_health), else 503 with a one-line
//   reason; any other path 404, any other method 405 or 400.
// - Off loopback it speaks only HTTPS, with the node's own certificate,
//   and asks scrapers for a certificate of the cluster's CA (Prometheus's
//   tls_config with cert_file/key_file); in clear text only where the node
//   config allows it (loopback, or fovea.insecure).
// - It serves from a pool of two threads of its own, never on an actor's
//   thread; a slow or idle client times out after 5 s. A scrape reads
//   atomics and takes prometheus-cpp's per-family locks, never one an
//   actor waits on for long.
// - The destructor stops it and joins its threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "metrics/node_metrics.hpp"

namespace httplib {
class Server;
}

namespace fovea {

struct http_options {
  std::string host = "127.0.0.1";
  uint16_t port = 9464; ///< 0: any free port
  /// PEM files; with certificate and key it serves HTTPS, and with ca it
  /// asks clients for a certificate that CA signed.
  std::string certificate;
  std::string key;
  std::string ca;
};

class http_endpoint {
public:
  /// Binds and starts serving; nullptr after putting why into `problem`
  /// (the address is taken, a certificate does not load).
  static std::unique_ptr<http_endpoint>
  start(const http_options& options, node_metrics& metrics,
        std::string& problem);

  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  uint16_t port() const noexcept { return port_; }
  bool tls() const noexcept { return tls_; }

  /// "http://127.0.0.1:9464" or "https://...".
  std::string url() const;

private:
  http_endpoint() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  uint16_t port_ = 0;
  bool tls_ = false;
};

} // namespace fovea
