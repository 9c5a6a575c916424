// read_image_file: an input file's bytes, read safely.
//
// Only regular files are read (a FIFO named .png must not hang its reader),
// and the size is checked on the open file before any memory is taken, so an
// oversized file costs nothing. Every reader of image files (a client's
// inputs, a model's probe images) goes through here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea {

/// Reads `path` into `bytes`; on failure clears `bytes` and returns the
/// reason for a result row ("cannot read: …", "file too large: …").
std::string read_image_file(const std::string& path, uint64_t max_bytes,
                            std::vector<uint8_t>& bytes);

/// The same for a file opened already (read only), which it closes: for
/// readers that open beneath a root (storage/shared_roots.hpp).
std::string read_image_fd(int fd, uint64_t max_bytes,
                          std::vector<uint8_t>& bytes);

} // namespace fovea
