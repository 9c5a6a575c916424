// Turns what a user names on the command line into the job's list of inputs.
//
// Each argument is an image file, a directory (walked recursively, in sorted
// order, keeping files whose extension says PNG or JPEG), or a .txt file that
// lists paths one per line (blank lines and lines starting with # skipped).
// Nothing is dropped silently: an argument that names nothing usable becomes
// an input with an error, so it still gets its row in the results.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea {

struct input_item {
  std::string path;  ///< as the user wrote it, or as found below a directory
  std::string error; ///< non-empty if the input is known bad before reading
};

std::vector<input_item> collect_inputs(const std::vector<std::string>& args);

/// A 64-bit FNV-1a hash of the ordered paths: a resumed job must be the
/// same list of inputs in the same order, or its journal does not apply.
uint64_t input_fingerprint(const std::vector<input_item>& inputs);

/// True for names that end in .png, .jpg or .jpeg, in any case.
bool has_image_extension(const std::string& path);

} // namespace fovea
