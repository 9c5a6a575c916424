// oip_model: a fovea image classifier as the Open Inference Protocol
// (KServe v2) sees it, whichever transport carries the request (REST in
// edge/oip_rest.hpp, gRPC in edge/oip_grpc.hpp):
//   input  "image"          BYTES [-1]          one encoded PNG or JPEG each
//   input  "input"          FP32  [-1, C, H, W] pixels, preprocessed
//   output "probabilities"  FP32  [-1, classes] or, with the classification
//                           extension, BYTES [-1, K] "score:index:label"
// A request carries one of the two inputs.
//
// Guarantees: both transports read a request into the same
// oip_infer_request under the same limits, and write the classification
// extension's strings the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>

namespace fovea {

inline constexpr const char* oip_image_input = "image";
inline constexpr const char* oip_pixel_input = "input";
inline constexpr const char* oip_output = "probabilities";
/// The longest deadline a request may set itself (parameters.timeout, in
/// microseconds as Triton's clients send it): an hour.
inline constexpr uint64_t oip_longest_timeout_us = 3'600'000'000;
/// The longest request id echoed back.
inline constexpr size_t oip_longest_id = 256;

/// A model as its workers registered it.
struct oip_model_info {
  std::string name;
  std::string version;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t channels = 0;
  std::vector<std::string> labels; ///< one per class, in output order
};

struct oip_limits {
  size_t max_batch = 64;
  uint64_t max_image_bytes = 64ull << 20;
};

struct oip_infer_request {
  std::string id; ///< echoed in the answer
  /// The "image" input: encoded images, one per batch element...
  std::vector<std::vector<uint8_t>> images;
  /// ...or the "input" input: batch x C x H x W floats, row-major.
  std::vector<float> pixels;
  size_t batch = 0;
  /// The classification extension's count K (0: the probabilities).
  uint32_t classification = 0;
  bool binary_output = false; ///< the output as binary tensor data
  /// Its own deadline, from `parameters.timeout` (microseconds, as
  /// Triton's): 0 if it set none. The server's limit still applies.
  uint64_t timeout_us = 0;
};

/// Reads `out.size()` images from `data`, each after its 4-byte
/// little-endian length (Triton's serialization of a BYTES tensor), none
/// over `max_image_bytes`, and nothing after them; an invalid_request
/// naming `field` and the element otherwise.
caf::error read_length_prefixed(std::string_view data,
                                uint64_t max_image_bytes,
                                const std::string& field,
                                std::vector<std::vector<uint8_t>>& out);

/// Triton's classification extension: per batch element the `k` most
/// probable classes, best first (ties by index), "<score>:<index>:<label>".
std::vector<std::string>
oip_classification(const std::vector<std::vector<float>>& probabilities,
                   uint32_t k, const std::vector<std::string>& labels);

} // namespace fovea
