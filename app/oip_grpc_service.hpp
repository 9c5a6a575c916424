// oip_grpc_service: the Open Inference Protocol's six gRPC calls (KServe
// v2, edge/open_inference_grpc.proto), answered by this node's coordinator
// through its gateway, as app/oip_routes.hpp answers REST.
// app/oip_grpc_server.hpp listens, and runs the completion queues it
// serves on.
//
// Guarantees:
// - each call checks the caller's certificate role when the server speaks
//   TLS (health and server metadata: monitor, client, operator; models
//   and inference: client, operator), PERMISSION_DENIED otherwise;
// - a ModelInfer request is read (edge/oip_grpc.hpp) against the model it
//   names before anything reaches the coordinator; the coordinator's
//   refusals keep their meaning as gRPC status codes;
// - a call its client cancels abandons its request, and each call is
//   finished exactly once (edge/grpc_unary_call.hpp);
// - answers that come after the server stopped touch nothing of it.
#pragma once

#include <memory>

#include "actors/online_gateway.hpp"
#include "app/oip_grpc_server.hpp"
#include "edge/grpc_unary_call.hpp"

namespace fovea {

class oip_grpc_service {
public:
  oip_grpc_service(std::shared_ptr<online_gateway> gateway,
                   oip_grpc_options options);
  ~oip_grpc_service();

  /// What the server registers.
  grpc::Service& grpc_service();

  /// Asks gRPC for the calls `queue`'s thread serves: several ModelInfer
  /// calls at once, so that a burst of them waits for no other.
  void serve(grpc::ServerCompletionQueue& queue, grpc_call_count& count);

private:
  class calls;
  std::unique_ptr<calls> calls_;
};

} // namespace fovea
