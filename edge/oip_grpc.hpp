// oip_grpc: the Open Inference Protocol's gRPC messages (KServe v2:
// kserve/open-inference-protocol, specification/protocol/
// open_inference_grpc.proto, committed beside this file) for a fovea image
// classifier (edge/oip_model.hpp): a ModelInferRequest read into what a
// coordinator runs, and its answer written back.
//
// Guarantees:
//   - the limits are the REST reader's: one input, "image" (BYTES [N] or
//     [N, 1]) or "input" (FP32 [N, C, H, W]), N from 1 to max_batch, an
//     image at most max_image_bytes, an FP32 tensor exactly its shape's
//     elements and all of them finite; a request that breaks a rule is an
//     invalid_request error naming the field and the rule (the service
//     answers INVALID_ARGUMENT), never an exception;
//   - a tensor comes either in raw_input_contents (BYTES elements each
//     after a 4-byte little-endian length, as Triton's clients send them;
//     FP32 little-endian) or in its typed contents, never both; the answer
//     comes back the same way the request came (raw_output_contents or
//     typed contents);
//   - the message was already bounded by the server's receive limit
//     (oip_grpc_message_limit), so nothing here allocates more than it.
#pragma once

#include <cstdint>
#include <vector>

#include <caf/expected.hpp>

#include "edge/oip_model.hpp"

namespace inference {
class ModelInferRequest;
class ModelInferResponse;
class ModelMetadataResponse;
} // namespace inference

namespace fovea {

/// Reads `request` against `model`.
caf::expected<oip_infer_request>
read_grpc_infer_request(const inference::ModelInferRequest& request,
                        const oip_model_info& model,
                        const oip_limits& limits);

/// The answer to `request` (binary_output: raw_output_contents):
/// `probabilities` holds, per batch element, one per class of `model`.
void write_grpc_infer_answer(
  const oip_infer_request& request, const oip_model_info& model,
  const std::vector<std::vector<float>>& probabilities,
  inference::ModelInferResponse& answer);

/// ModelMetadata: the model's inputs and outputs.
void write_grpc_model_metadata(const oip_model_info& model,
                               inference::ModelMetadataResponse& answer);

/// The largest message the server receives: a batch of the largest images
/// with their length prefixes, but never more than the coordinator holds of
/// inference requests at once, plus 1 MiB for the rest of the message; at
/// most what gRPC's int takes.
int oip_grpc_message_limit(const oip_limits& limits,
                           uint64_t max_queued_bytes);

} // namespace fovea
