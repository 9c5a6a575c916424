#include "edge/basp_wire.hpp"

#include <algorithm>

namespace fovea::basp_wire {

namespace {

uint64_t read_be(const uint8_t* p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i)
    x = (x << 8) | p[i];
  return x;
}

// CAF's 6-bit code of a character in an atom (caf/detail/atom_val.hpp):
// ' ' 0, digits 1-10, upper case 11-36, '_' 37, lower case 38-63.
uint64_t atom_code(char c) {
  if (c >= '0' && c <= '9')
    return static_cast<uint64_t>(c - '0' + 1);
  if (c >= 'A' && c <= 'Z')
    return static_cast<uint64_t>(c - 'A' + 11);
  if (c == '_')
    return 37;
  if (c >= 'a' && c <= 'z')
    return static_cast<uint64_t>(c - 'a' + 38);
  return 0;
}

} // namespace

header read_header(const uint8_t* bytes) {
  header h;
  h.operation = bytes[0];
  h.flags = bytes[3];
  h.payload_len = static_cast<uint32_t>(read_be(bytes + 4, 4));
  h.operation_data = read_be(bytes + 8, 8);
  h.source_actor = read_be(bytes + 16, 8);
  h.dest_actor = read_be(bytes + 24, 8);
  return h;
}

bool caf_valid(const header& h) {
  switch (h.operation) {
  case server_handshake:
    return h.operation_data != 0;
  case client_handshake:
    return h.source_actor == 0 && h.dest_actor == 0;
  case direct_message:
  case routed_message:
    return h.dest_actor != 0 && h.payload_len != 0;
  case monitor_message:
    return h.payload_len != 0 && h.operation_data == 0;
  case down_message:
    return h.source_actor != 0 && h.dest_actor == 0 && h.payload_len != 0
           && h.operation_data == 0;
  case heartbeat:
    return h.source_actor == 0 && h.dest_actor == 0 && h.payload_len == 0
           && h.operation_data == 0;
  }
  return false;
}

const char* name_of(uint8_t operation) {
  switch (operation) {
  case server_handshake:
    return "server handshake";
  case client_handshake:
    return "client handshake";
  case direct_message:
    return "direct message";
  case routed_message:
    return "routed message";
  case monitor_message:
    return "monitor message";
  case down_message:
    return "down message";
  case heartbeat:
    return "heartbeat";
  }
  return "unknown frame";
}

uint64_t atom_value(std::string_view name) {
  uint64_t x = 0xF;
  for (auto c : name)
    x = (x << 6) | atom_code(c);
  return x;
}

bool wire_reader::u8(uint8_t& x) {
  if (!ok_ || end_ - at_ < 1)
    return fail();
  x = *at_++;
  return true;
}

bool wire_reader::u16(uint16_t& x) {
  if (!ok_ || end_ - at_ < 2)
    return fail();
  x = static_cast<uint16_t>(read_be(at_, 2));
  at_ += 2;
  return true;
}

bool wire_reader::u64(uint64_t& x) {
  if (!ok_ || end_ - at_ < 8)
    return fail();
  x = read_be(at_, 8);
  at_ += 8;
  return true;
}

bool wire_reader::size(uint32_t& x) {
  // At most five bytes of seven bits for a uint32, as CAF reads them.
  uint32_t result = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t byte = 0;
    if (!u8(byte))
      return false;
    result |= static_cast<uint32_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      x = result;
      return true;
    }
  }
  return fail();
}

bool wire_reader::text(std::string_view& x) {
  uint32_t n = 0;
  if (!size(n) || static_cast<size_t>(end_ - at_) < n)
    return fail();
  x = std::string_view{reinterpret_cast<const char*>(at_), n};
  at_ += n;
  return true;
}

bool wire_reader::node(std::string_view& x) {
  if (!ok_ || end_ - at_ < 8)
    return fail();
  if (read_be(at_, 8) == empty_atom) {
    at_ += 8;
    x = {};
    return true;
  }
  if (end_ - at_ < static_cast<ptrdiff_t>(node_size)
      || !std::equal(default_node_class.begin(), default_node_class.end(), at_))
    return fail();
  x = std::string_view{reinterpret_cast<const char*>(at_), node_size};
  at_ += node_size;
  return true;
}

bool wire_reader::skip(size_t n) {
  if (!ok_ || static_cast<size_t>(end_ - at_) < n)
    return fail();
  at_ += n;
  return true;
}

} // namespace fovea::basp_wire
