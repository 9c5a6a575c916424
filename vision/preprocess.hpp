// Image bytes -> model input, exactly as a model's manifest says.
//
// This is the only place fovea decodes images. It accepts PNG and JPEG
// (checked by their magic bytes, not by file names), converts whatever colour
// layout the file has to the model's channels, resizes, scales to [0, 1] and
// normalises with the manifest's mean and std, writing CHW floats.
#pragma once

#include <cstdint>
#include <span>

#include <caf/error.hpp>

#include "vision/manifest.hpp"

namespace fovea {

/// Writes the preprocessed image into `out`, which must hold
/// `m.input_size()` floats. Returns a bad_image error with a short reason
/// (for the result row) if the bytes are not an image fovea can use.
caf::error preprocess(std::span<const uint8_t> bytes, const model_manifest& m,
                      std::span<float> out);

} // namespace fovea
