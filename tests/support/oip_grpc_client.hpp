// The Open Inference Protocol's gRPC calls made by a client fovea did not
// write: Node's @grpc/grpc-js and @grpc/proto-loader loading the official
// edge/open_inference_grpc.proto (tests/tools/oip_grpc_client.js, installed
// by scripts/install-deps from tests/tools/package-lock.json).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace fovea::test {

/// Why the client cannot run here (no node, tools not installed), or "".
std::string grpc_client_missing();

/// TLS for grpcs:// (PEM paths): the CA the server is checked against,
/// and the client's certificate and key (none if empty).
struct grpc_tls {
  std::string ca;
  std::string certificate;
  std::string key;
  std::string server_name; ///< the name the server's certificate has
};

struct grpc_call {
  std::string rpc; ///< "ModelInfer", "ServerLive", ...
  nlohmann::json request = nlohmann::json::object();
  unsigned deadline_ms = 0; ///< gRPC's own deadline for the call; 0: none
};

struct grpc_answer {
  int code = -1; ///< gRPC's status code; 0 OK, -1 no line for this call
  std::string details;
  nlohmann::json response;
};

/// Makes `calls` to 127.0.0.1:`port` (`concurrency` in flight), with TLS if
/// `tls` is given; one answer per call, in order. Files the script needs go
/// in `scratch`. In a request, {"$file": P}, {"$base64": B} and
/// {"$length_prefixed": [P, ...]} stand for bytes (see the client).
std::vector<grpc_answer> grpc_calls(uint16_t port,
                                    const std::vector<grpc_call>& calls,
                                    const std::filesystem::path& scratch,
                                    const std::optional<grpc_tls>& tls = {},
                                    unsigned concurrency = 1,
                                    std::chrono::seconds timeout
                                    = std::chrono::seconds(120));

/// `calls` made over and over for `seconds` (`concurrency` in flight) by
/// a client left running: at its end it prints {"calls": N, "failed": K}.
std::unique_ptr<child_process>
grpc_calls_for(uint16_t port, const std::vector<grpc_call>& calls,
               const std::filesystem::path& scratch, unsigned concurrency,
               std::chrono::seconds seconds);

/// The port of a coordinator's "inference ... on grpc[s]://HOST:PORT" line.
std::optional<uint16_t> grpc_port(const std::string& line);

/// The class index of each element of a ModelInfer answer with the
/// classification extension (K = 1): from contents.bytes_contents or
/// raw_output_contents, as the answer came.
std::vector<int> grpc_labels(const nlohmann::json& response);

} // namespace fovea::test
