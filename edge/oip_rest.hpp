// oip_rest: the Open Inference Protocol's REST bodies (KServe v2:
// kserve/open-inference-protocol, specification/protocol/inference_rest.md)
// with Triton's binary tensor data and classification extensions, for a
// fovea image classifier: a request read into what a coordinator runs, and
// its answer written back.
//
// A fovea model, as the protocol sees it:
//   input  "image"          BYTES [-1]          one encoded PNG or JPEG each
//   input  "input"          FP32  [-1, C, H, W] pixels, preprocessed
//   output "probabilities"  FP32  [-1, classes] or, with the classification
//                           extension, BYTES [-1, K] "score:index:label"
// A request carries one of the two inputs.
//
// Guarantees:
//   - nothing the request sizes is allocated before it is checked: the
//     JSON part is at most the body (Inference-Header-Content-Length), its
//     nesting at most 16 deep, the batch at most `max_batch`, an image at
//     most `max_image_bytes`, an FP32 tensor exactly its shape's elements,
//     and the binary sections add up to what follows the JSON exactly;
//   - a request that breaks a rule is an error naming the field and the
//     rule (the answer is 400 {"error": "..."}), never an exception out of
//     here, whatever the bytes;
//   - answers are the spec's JSON; with binary outputs asked for, the JSON
//     part's length is in Inference-Header-Content-Length and the tensors
//     follow it, little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "edge/http_front.hpp"
#include "edge/oip_model.hpp"

namespace fovea {

/// Where a /v2/models/... path points.
struct oip_model_path {
  std::string name;
  std::string version; ///< empty: whichever the server picks
  std::string action;  ///< "" (metadata), "ready" or "infer"
};

/// Reads "/v2/models/NAME[/versions/V][/ready|/infer]"; an error for any
/// other shape.
caf::expected<oip_model_path> read_model_path(std::string_view path);

/// Reads an inference request: `body` as sent, `json_length` the value of
/// its Inference-Header-Content-Length ("" if none: all JSON).
caf::expected<oip_infer_request>
read_infer_request(const std::string& body, const std::string& json_length,
                   const oip_model_info& model, const oip_limits& limits);

/// The answer to `request`: `probabilities` holds, per batch element, one
/// probability per class of `model`.
http_answer
write_infer_answer(const oip_infer_request& request,
                   const oip_model_info& model,
                   const std::vector<std::vector<float>>& probabilities);

/// {"error": message} with `status`.
http_answer oip_error(unsigned status, const std::string& message);

/// GET /v2: the server's name, version and extensions.
http_answer oip_server_metadata(const std::string& version);

/// GET /v2/models/NAME[/versions/V]: its inputs and outputs.
http_answer oip_model_metadata(const oip_model_info& model);

/// {"name": ..., "ready": ...} (model) or {"live"/"ready": ...} (server).
http_answer oip_ready(const std::string& key, bool ready,
                      const std::string& name = {});

} // namespace fovea
