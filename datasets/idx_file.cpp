#include "datasets/idx_file.hpp"

#include <zlib.h>

#include "messages/errors.hpp"

namespace fovea {

namespace {

// Reads the whole file through zlib, which passes plain files through.
caf::expected<std::vector<uint8_t>> read_all(const std::string& path) {
  auto file = gzopen(path.c_str(), "rb");
  if (!file)
    return make_error(errc::bad_config, path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  int n = 0;
  while ((n = gzread(file, buf, sizeof(buf))) > 0)
    bytes.insert(bytes.end(), buf, buf + n);
  int code = 0;
  std::string why = n < 0 ? gzerror(file, &code) : "";
  gzclose(file);
  if (n < 0)
    return make_error(errc::bad_config, path + ": cannot read (" + why + ")");
  return bytes;
}

uint32_t big_endian(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8
         | uint32_t{p[3]};
}

} // namespace

caf::expected<idx_file> read_idx(const std::string& path, size_t rank) {
  auto bytes = read_all(path);
  if (!bytes)
    return std::move(bytes.error());
  auto bad = [&](const std::string& why) {
    return make_error(errc::bad_config, path + ": not an IDX file (" + why
                                          + ")");
  };
  auto header = 4 + 4 * rank;
  if (bytes->size() < header)
    return bad("shorter than its header");
  // Magic: two zero bytes, the element type (0x08 = unsigned byte), rank.
  auto& b = *bytes;
  if (b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != rank)
    return bad("magic number does not say " + std::to_string(rank)
               + "-dimensional unsigned bytes");
  idx_file result;
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    result.dims.push_back(big_endian(b.data() + 4 + 4 * i));
    count *= result.dims.back();
  }
  if (b.size() - header != count)
    return bad("header says " + std::to_string(count) + " bytes of data, file has "
               + std::to_string(b.size() - header));
  result.data.assign(b.begin() + static_cast<std::ptrdiff_t>(header), b.end());
  return result;
}

} // namespace fovea
