// oip_grpc_server: the Open Inference Protocol's gRPC service (KServe v2,
// edge/open_inference_grpc.proto) on fovea.oip-grpc, answered by this
// node's coordinator through its gateway, as app/oip_routes.hpp answers
// REST. This file listens and runs the queues; the calls are
// app/oip_grpc_service.hpp's.
//
// Guarantees:
// - TLS is gRPC's own (Debian builds it on OpenSSL) with the node's
//   certificate: a client must present a certificate of the cluster's CA,
//   not in fovea.crl; each call then checks its role as REST does (health
//   and server metadata: monitor, client, operator; models and inference:
//   client, operator) and refuses others PERMISSION_DENIED. Plain only on
//   loopback, or with fovea.insecure (node_oip decides);
// - the port is this node's alone (no SO_REUSEPORT): a port taken by any
//   other process fails start();
// - what a call may cost is bounded before it is read: messages larger
//   than oip_grpc_message_limit are refused by gRPC (RESOURCE_EXHAUSTED),
//   streams per connection, metadata, the TLS handshake's and an idle
//   connection's time, and the memory of all calls (a resource quota);
// - a request is read (edge/oip_grpc.hpp) against the model it names
//   before anything reaches the coordinator; the coordinator's refusals
//   keep their meaning: busy and a client's quota RESOURCE_EXHAUSTED, the
//   deadline (the server's, the request's parameters.timeout or the
//   call's own, the shortest) DEADLINE_EXCEEDED, an unknown model
//   NOT_FOUND, a bad request or image INVALID_ARGUMENT;
// - a call its client cancels abandons its request: the coordinator drops
//   its queued images; each call is finished exactly once;
// - calls are served through gRPC's completion-queue API
//   (edge/grpc_unary_call.hpp) on the server's own threads, named
//   "oip-grpc" (half the cores, 1 to 4): each thread polls, reads and hands
//   its calls to the gateway itself;
// - stop() (and the destructor) cancels the calls in flight and returns
//   once gRPC has finished them all, before the gateway may close.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "actors/online_gateway.hpp"
#include "edge/oip_model.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea {

struct oip_grpc_options {
  std::string host;
  uint16_t port = 0; ///< 0: any free port (see port())
  std::optional<tls_files> tls; ///< none: plain
  std::chrono::milliseconds timeout{10000}; ///< fovea.oip-timeout
  oip_limits limits;
  uint64_t max_queued_bytes = uint64_t{64} << 20;
  std::string version; ///< fovea's, for ServerMetadata
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  uint32_t max_streams_per_connection = 64;
};

class oip_grpc_server {
public:
  /// Listens and serves; nothing and `problem` if it cannot.
  static std::unique_ptr<oip_grpc_server>
  start(oip_grpc_options options, std::shared_ptr<online_gateway> gateway,
        std::string& problem);

  ~oip_grpc_server();
  oip_grpc_server(const oip_grpc_server&) = delete;
  oip_grpc_server& operator=(const oip_grpc_server&) = delete;

  uint16_t port() const noexcept;
  /// "grpc://HOST:PORT" or "grpcs://HOST:PORT", for the log.
  std::string url() const;

  void stop();

  struct state; ///< the server, its service and its CRL folder

private:
  oip_grpc_server() = default;
  std::unique_ptr<state> state_;
};

} // namespace fovea
