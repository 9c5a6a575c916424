// basp_wire: how CAF 0.17.6 lays out its wire protocol (BASP) in bytes,
// for the edge, which reads frames without an actor system.
//
// A frame is a 32-byte header (caf/io/basp/header.hpp: operation, two
// padding bytes, flags, payload_len, operation_data, source_actor,
// dest_actor; integers big-endian) and payload_len bytes of payload in
// CAF's binary serialization (caf/serializer_impl.hpp): integers
// big-endian, sequence and string sizes as 7-bit varints, a node id as its
// class atom and, for the "default" class, a 4-byte pid and a 20-byte host
// hash. tests/edge/basp_wire.test.cpp checks every layout here against
// CAF's own serializer.
//
// Guarantees: `wire_reader` never reads outside the bytes it was given; a
// read past them fails and leaves the reader failed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fovea::basp_wire {

/// caf/io/basp/message_type.hpp
enum operation : uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

constexpr size_t header_size = 32;
/// A direct message names its receiver by an atom (registry name), not id.
constexpr uint8_t named_receiver_flag = 0x01;
/// A repeated client handshake selects this connection for its node.
constexpr uint8_t select_connection_flag = 0x02;

/// A serialized node id of the "default" class: what every fovea node is.
constexpr size_t node_size = 32;
/// atom("default"), the class of such a node id, as it is serialized.
constexpr std::array<uint8_t, 8> default_node_class{0x00, 0x00, 0x3e, 0x9a,
                                                    0xab, 0x9b, 0xac, 0x79};
/// atom(""): how CAF serializes an empty node id (or an empty category).
constexpr uint64_t empty_atom = 0xF;

struct header {
  uint8_t operation = 0;
  uint8_t flags = 0;
  uint32_t payload_len = 0;
  uint64_t operation_data = 0;
  uint64_t source_actor = 0;
  uint64_t dest_actor = 0;
};

/// Reads a header from its 32 bytes (the padding bytes are ignored, as CAF
/// ignores them).
header read_header(const uint8_t* bytes);

/// CAF's own validity rules for a header (basp::valid in header.cpp): CAF
/// closes the connection on a header that breaks them.
bool caf_valid(const header& h);

/// "client handshake", "direct message", ... for log lines.
const char* name_of(uint8_t operation);

/// The atom CAF makes of a name of at most 10 characters (atom.hpp's
/// encoding), for names the guard compares against: "SpawnServ", "sys".
uint64_t atom_value(std::string_view name);

/// Reads CAF's binary serialization from a bounded span of bytes.
class wire_reader {
public:
  wire_reader(const uint8_t* data, size_t size) : at_(data), end_(data + size) {}

  bool ok() const noexcept { return ok_; }
  size_t left() const noexcept { return ok_ ? static_cast<size_t>(end_ - at_) : 0; }

  bool u8(uint8_t& x);
  bool u16(uint16_t& x);
  bool u64(uint64_t& x);
  /// A sequence or string size (CAF's varbyte encoding of a uint32).
  bool size(uint32_t& x);
  /// A string, as a view into the bytes.
  bool text(std::string_view& x);
  /// A node id: `x` is its 32 bytes, or empty for an empty node id. A node
  /// of any other class fails the read (no fovea node has one).
  bool node(std::string_view& x);
  bool skip(size_t n);

private:
  bool fail() {
    ok_ = false;
    return false;
  }

  const uint8_t* at_;
  const uint8_t* end_;
  bool ok_ = true;
};

} // namespace fovea::basp_wire
