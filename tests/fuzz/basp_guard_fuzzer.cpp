// Fuzz target for the BASP allow-list (edge/basp_guard.hpp): whatever a
// peer sends, interleaved with whatever this node's CAF sends, the guard
// must never crash, and every frame it lets through whole must be one that
// CAF's own reader agrees with: a valid header within the limit and, for a
// direct message, an empty forwarding stack and a type list as the guard
// read it.
//
// An input is a session: records of [direction (0: from the network, 1:
// from CAF)][length, 2 bytes big-endian][bytes]. Built two ways:
//  - with clang's libFuzzer (scripts/fuzz), with a mutator that knows the
//    records and the frames inside them (it changes one field of one
//    header, or one record's bytes) and starts from a legitimate session;
//  - into the Catch2 suite (tests/edge/basp_guard_fuzz.test.cpp), which
//    replays the legitimate session and field-by-field mutations of it.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>

#include "edge/basp_guard.hpp"

namespace {

using fovea::basp_guard;
namespace wire = fovea::basp_wire;
using bytes = std::vector<uint8_t>;

constexpr uint32_t limit = 1 << 20;

// Two node ids of CAF's "default" class.
std::string node_of(uint8_t seed) {
  std::string node(wire::default_node_class.begin(),
                   wire::default_node_class.end());
  node.append(24, static_cast<char>(seed));
  return node;
}

void put_be(bytes& out, uint64_t x, int n) {
  for (int i = n - 1; i >= 0; --i)
    out.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

void put_text(bytes& out, const std::string& s) {
  auto n = static_cast<uint32_t>(s.size());
  while (n > 0x7f) {
    out.push_back(static_cast<uint8_t>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), s.begin(), s.end());
}

bytes frame(uint8_t op, uint8_t flags, uint64_t data, uint64_t source,
            uint64_t dest, const bytes& payload) {
  bytes out{op, 0, 0, flags};
  put_be(out, payload.size(), 4);
  put_be(out, data, 8);
  put_be(out, source, 8);
  put_be(out, dest, 8);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// A direct message's payload: no stages, the type list, then `values`.
bytes content(const std::string& types, const bytes& values) {
  bytes out{0, 0, 0};
  put_text(out, types);
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

void record(bytes& session, uint8_t direction, const bytes& b) {
  session.push_back(direction);
  put_be(session, b.size(), 2);
  session.insert(session.end(), b.begin(), b.end());
}

} // namespace

/// A session as fovea's nodes hold one, seen from the coordinator's edge.
bytes fovea_legit_basp_session() {
  auto local = node_of(1);
  auto peer = node_of(2);
  bytes session;
  bytes hello{local.begin(), local.end()};
  hello.push_back(1); // one application id
  put_text(hello, "generic-caf");
  put_be(hello, 1, 8); // the offered actor
  hello.push_back(0);  // no interface names
  record(session, 1, frame(wire::server_handshake, 0, 1, 0, 0, hello));
  bytes id{peer.begin(), peer.end()};
  record(session, 0, frame(wire::client_handshake, 0, 0, 0, 0, id));
  record(session, 0,
         frame(wire::client_handshake, wire::select_connection_flag, 0, 0, 0,
               id));
  bytes ping;
  put_be(ping, wire::atom_value("ping"), 8);
  record(session, 0,
         frame(wire::direct_message, 0, 1, 7, 1, content("@<>+@atom", ping)));
  bytes name;
  put_text(name, "coord");
  record(session, 1,
         frame(wire::direct_message, 0, 1ull << 63, 1, 7,
               content("@<>+@str", name)));
  bytes info;
  put_be(info, wire::atom_value("sys"), 8);
  put_be(info, wire::atom_value("get"), 8);
  put_text(info, "info");
  record(session, 0,
         frame(wire::direct_message, wire::named_receiver_flag, 2, 9,
               wire::atom_value("SpawnServ"),
               content("@<>+@atom+@atom+@str", info)));
  record(session, 1,
         frame(wire::direct_message, wire::named_receiver_flag, 3, 5,
               wire::atom_value("SpawnServ"),
               content("@<>+@atom+@atom+@str", info)));
  bytes reply;
  put_be(reply, wire::atom_value("ok"), 8);
  put_text(reply, "info");
  put_be(reply, 11, 8);
  reply.insert(reply.end(), peer.begin(), peer.end());
  put_text(reply, "spawn_server");
  record(session, 0,
         frame(wire::direct_message, 0, 3ull | (1ull << 63), 11, 5,
               content("@<>+@atom+@str+@strong_actor_ptr+@str", reply)));
  bytes pair{peer.begin(), peer.end()};
  pair.insert(pair.end(), local.begin(), local.end());
  record(session, 0, frame(wire::monitor_message, 0, 0, 0, 1, pair));
  auto down = pair;
  down.push_back(0);                   // error code: none
  put_be(down, wire::empty_atom, 8);   // its category
  down.insert(down.end(), {0, 0});     // its context: an empty message
  put_text(down, "@<>");
  record(session, 0, frame(wire::down_message, 0, 0, 11, 0, down));
  record(session, 0, frame(wire::heartbeat, 0, 0, 0, 0, {}));
  bytes batch;
  put_be(batch, wire::atom_value("enqueue"), 8);
  put_be(batch, 1, 8);
  batch.resize(batch.size() + 2000, 0x5a);
  record(session, 0,
         frame(wire::direct_message, 0, 4, 7, 1,
               content("@<>+@atom+@u64+std::vector<fovea::image_task>",
                       batch)));
  return session;
}

namespace {

// Follows the frames the guard let through whole, and checks each with
// CAF's own reader.
class checker {
public:
  void passed(const uint8_t* data, size_t size) {
    stream_.insert(stream_.end(), data, data + size);
    for (;;) {
      if (stream_.size() < wire::header_size)
        return;
      auto h = wire::read_header(stream_.data());
      if (!wire::caf_valid(h) || h.payload_len > limit)
        std::abort(); // its header was whole, so it was checked
      if (stream_.size() < wire::header_size + h.payload_len)
        return;
      if (h.operation == wire::direct_message)
        check_direct(stream_.data() + wire::header_size, h.payload_len);
      stream_.erase(stream_.begin(),
                    stream_.begin() + wire::header_size + h.payload_len);
    }
  }

private:
  static void check_direct(const uint8_t* payload, size_t size) {
    std::vector<char> buffer(payload, payload + size);
    caf::binary_deserializer source{nullptr, buffer};
    size_t stages = 1;
    uint16_t zero = 1;
    std::string types;
    if (source.begin_sequence(stages) || source.end_sequence() || stages != 0
        || source(zero) || zero != 0 || source(types) || types.empty())
      std::abort(); // the guard read it otherwise
  }

  bytes stream_;
};

} // namespace

extern "C" int fovea_basp_guard_fuzz_one(const uint8_t* data, size_t size) {
  basp_guard guard{fovea::basp_sender::client, limit, node_of(1)};
  checker check;
  size_t at = 0;
  while (at + 3 <= size) {
    auto direction = data[at];
    size_t length = (size_t{data[at + 1]} << 8) | data[at + 2];
    at += 3;
    length = std::min(length, size - at);
    if (direction % 2 == 1) {
      guard.observe(data + at, length);
    } else {
      auto verdict = guard.feed(data + at, length);
      if (!verdict.refusal.empty())
        return 0; // the connection closes: nothing more is fed
      check.passed(data + at, length);
    }
    at += length;
  }
  return 0;
}

#ifdef FOVEA_LIBFUZZER

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size,
                                   size_t max_size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fovea_basp_guard_fuzz_one(data, size);
}

// Mutates a session the way an attacker edits one: one field of one frame
// header (which frame, which field, what value), or the bytes of one
// record; an input that is no session yet becomes the legitimate one.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned seed) {
  if (size < 3) {
    auto legit = fovea_legit_basp_session();
    if (legit.size() > max_size)
      return size;
    std::memcpy(data, legit.data(), legit.size());
    return legit.size();
  }
  // The records' offsets.
  std::vector<std::pair<size_t, size_t>> records;
  for (size_t at = 0; at + 3 <= size;) {
    size_t length = (size_t{data[at + 1]} << 8) | data[at + 2];
    length = std::min(length, size - at - 3);
    records.emplace_back(at + 3, length);
    at += 3 + length;
  }
  auto [start, length] = records[seed % records.size()];
  if ((seed >> 8) % 2 == 0 && length >= wire::header_size) {
    // One header field, with a value an attacker would try.
    static const size_t offsets[] = {0, 3, 4, 8, 16, 24};
    static const size_t widths[] = {1, 1, 4, 8, 8, 8};
    auto field = (seed >> 9) % 6;
    static const uint64_t values[] = {0, 1, 2, 3, 7, 0xFF, 0xFFFFFFFF,
                                      0xFFFFFFFFFFFFFFFF, 1ull << 63, 32, 64};
    auto value = values[(seed >> 12) % (sizeof(values) / sizeof(values[0]))];
    for (size_t i = 0; i < widths[field]; ++i)
      data[start + offsets[field] + i] = static_cast<uint8_t>(
        value >> (8 * (widths[field] - 1 - i)));
    return size;
  }
  // The bytes of one record, as libFuzzer mutates (within its length).
  auto changed = LLVMFuzzerMutate(data + start, length, length);
  (void) changed;
  return size;
}

#endif
