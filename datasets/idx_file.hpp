// idx_file: the IDX format MNIST-style data sets ship in, gzip'd or not.
//
// A loaded file is consistent: its magic number says unsigned bytes with the
// expected number of dimensions, and its data is exactly as long as its
// dimensions say. Anything else is refused with a message naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace fovea {

struct idx_file {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data; ///< row-major, product(dims) bytes
};

/// Reads `path` (gzip'd or plain), expecting `rank` dimensions of uint8.
caf::expected<idx_file> read_idx(const std::string& path, size_t rank);

} // namespace fovea
