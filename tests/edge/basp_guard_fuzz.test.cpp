// The BASP guard's fuzz target (tests/fuzz/basp_guard_fuzzer.cpp) on a
// legitimate session and on mutations of it: each header field of each
// frame set to the values an attacker would try, and seeded random byte
// changes. Under the sanitizer build this is a short fuzz run on every
// commit; scripts/fuzz runs libFuzzer for the long ones.
#include <catch2/catch.hpp>

#include <random>

#include "edge/basp_guard.hpp"

std::vector<uint8_t> fovea_legit_basp_session();
extern "C" int fovea_basp_guard_fuzz_one(const uint8_t* data, size_t size);

using namespace fovea;

namespace {

// The records of a session: offset and length of each one's bytes.
std::vector<std::pair<size_t, size_t>>
records_of(const std::vector<uint8_t>& session) {
  std::vector<std::pair<size_t, size_t>> records;
  for (size_t at = 0; at + 3 <= session.size();) {
    size_t length = (size_t{session[at + 1]} << 8) | session[at + 2];
    records.emplace_back(at + 3, length);
    at += 3 + length;
  }
  return records;
}

} // namespace

TEST_CASE("the guard lets a legitimate session through whole",
          "[unit][edge][fuzz]") {
  auto session = fovea_legit_basp_session();
  std::string local(basp_wire::default_node_class.begin(),
                    basp_wire::default_node_class.end());
  local.append(24, '\1');
  basp_guard guard{basp_sender::client, 1 << 20, local};
  for (auto [start, length] : records_of(session)) {
    if (session[start - 3] == 1) {
      guard.observe(session.data() + start, length);
    } else {
      auto verdict = guard.feed(session.data() + start, length);
      CHECK(verdict.refusal == "");
    }
  }
  CHECK(guard.handshaken());
}

TEST_CASE("the guard's fuzz target survives every header field of a "
          "session set to an attacker's values, and random mutations",
          "[unit][edge][fuzz]") {
  auto session = fovea_legit_basp_session();
  const size_t offsets[] = {0, 3, 4, 8, 16, 24};
  const size_t widths[] = {1, 1, 4, 8, 8, 8};
  const uint64_t values[] = {0, 1, 2, 3, 7, 0xFF, 0xFFFFFFFF,
                             0xFFFFFFFFFFFFFFFF, 1ull << 63, 32, 64};
  size_t runs = 0;
  for (auto [start, length] : records_of(session)) {
    if (length < basp_wire::header_size)
      continue;
    for (size_t field = 0; field < 6; ++field)
      for (auto value : values) {
        auto mutated = session;
        for (size_t i = 0; i < widths[field]; ++i)
          mutated[start + offsets[field] + i] = static_cast<uint8_t>(
            value >> (8 * (widths[field] - 1 - i)));
        fovea_basp_guard_fuzz_one(mutated.data(), mutated.size());
        ++runs;
      }
  }
  std::mt19937 rng{20261203};
  for (int i = 0; i < 3000; ++i, ++runs) {
    auto mutated = session;
    auto changes = 1 + rng() % 6;
    for (unsigned c = 0; c < changes; ++c)
      mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
    fovea_basp_guard_fuzz_one(mutated.data(), mutated.size());
  }
  // Every cut of the session.
  for (size_t keep = 0; keep < session.size(); keep += 7, ++runs)
    fovea_basp_guard_fuzz_one(session.data(), keep);
  CHECK(runs > 3500);
}
