// Test images made on the fly with OpenCV: encoded bytes or files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fovea::test {

/// The shipped model folder, models/fashion-mnist/1 in the source tree.
std::filesystem::path shipped_model();

/// Encodes a `width` x `height` image with `channels` (1, 3 or 4, OpenCV's
/// BGR(A) order) from `pixels` (row-major, interleaved) as ".png" or ".jpg".
std::vector<uint8_t> encode(const std::vector<uint8_t>& pixels, int width,
                            int height, int channels,
                            const std::string& ext = ".png");

/// A deterministic 28x28 grayscale pattern that differs with `seed`.
std::vector<uint8_t> pattern_png(int seed);

/// Writes `count` pattern PNGs named 00000.png, ... into `dir` (created).
std::vector<std::string> write_pattern_pngs(const std::filesystem::path& dir,
                                            int count);

void write_file(const std::filesystem::path& file,
                const std::vector<uint8_t>& bytes);

std::vector<uint8_t> read_file(const std::filesystem::path& file);

/// A fresh, empty directory under the system's temp dir for one test.
std::filesystem::path fresh_dir(const std::string& name);

} // namespace fovea::test
