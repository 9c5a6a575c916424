// Image bytes -> model input, exactly as a model's manifest says.
//
// This is the only place fovea decodes images. It accepts whole PNG and JPEG
// files (see image_header.hpp for the checks made before decoding), converts whatever colour
// layout the file has to the model's channels, resizes, scales to [0, 1] and
// normalises with the manifest's mean and std, writing CHW floats.
#pragma once

#include <cstdint>
#include <span>

#include <caf/error.hpp>

#include "vision/manifest.hpp"

namespace fovea {

struct decode_limits {
  /// Largest width x height decoded; larger images are refused from their
  /// header, before any pixel memory is allocated.
  uint64_t max_pixels = 64ull << 20;
};

/// Writes the preprocessed image into `out`, which must hold
/// `m.input_size()` floats. Returns a bad_image error with a short reason
/// (for the result row) if the bytes are not an image fovea can use.
caf::error preprocess(std::span<const uint8_t> bytes, const model_manifest& m,
                      std::span<float> out, const decode_limits& limits = {});

} // namespace fovea
