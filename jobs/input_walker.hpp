// Turns what a user names on the command line into the job's list of inputs.
//
// Each argument is an image file, a directory (walked recursively, in sorted
// order, keeping files whose extension says PNG or JPEG), or a .txt file that
// lists paths one per line (blank lines and lines starting with # skipped).
//
// Guarantees: nothing is dropped silently.
// - An argument that names nothing usable, a directory that cannot be read
//   (permissions, too many open files, an I/O error, including one in the
//   middle of reading it), a file whose stat fails, and an image-named file
//   that is not a regular file each become one input with an error naming
//   that path and the reason; the walk goes on with the rest of the tree.
// - Files left out because of their extension (WebP, TIFF, BMP...) and
//   symlinked directories (not followed, so a link loop cannot trap the
//   walk) are listed in `skipped`, for the summary and --list-skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea {

struct input_item {
  std::string path;     ///< as the user wrote it, or as found below a directory
  std::string error;    ///< non-empty if the input is known bad before reading
  uint64_t size = 0;    ///< bytes, when the walk could stat it
  int64_t modified = 0; ///< modification time, ns since the epoch; 0: unknown
};

struct input_list {
  std::vector<input_item> items;
  /// Left out on purpose, sorted: files not named PNG or JPEG ...
  std::vector<std::string> not_images;
  /// ... and symlinked directories, which the walk does not follow.
  std::vector<std::string> linked_directories;
};

input_list collect_inputs(const std::vector<std::string>& args);

/// A 64-bit FNV-1a hash of the ordered paths: a resumed job must be the
/// same list of inputs in the same order, or its journal does not apply.
uint64_t input_fingerprint(const std::vector<input_item>& inputs);

/// The same over paths, sizes and modification times: a resumed job's
/// files must also be unchanged since its journal began.
uint64_t content_fingerprint(const std::vector<input_item>& inputs);

/// True for names that end in .png, .jpg or .jpeg, in any case.
bool has_image_extension(const std::string& path);

} // namespace fovea
