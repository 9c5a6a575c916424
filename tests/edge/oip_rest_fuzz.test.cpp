// The inference protocol's fuzz target (tests/fuzz/oip_rest_fuzzer.cpp) on
// its seeds and on mutations of them: every truncation and seeded random
// byte changes. The target aborts on a broken promise; scripts/fuzz runs
// libFuzzer on it for the long runs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>

#include "edge/oip_rest.hpp"
#include "messages/errors.hpp"
#include "tests/support/images.hpp"

extern "C" int fovea_oip_rest_fuzz_one(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

TEST_CASE("the inference protocol's fuzz target survives its seeds, every "
          "truncation of them, and random mutations",
          "[unit][fuzz][oip]") {
  std::vector<std::vector<uint8_t>> seeds;
  for (auto& entry : fs::directory_iterator{std::string{FOVEA_SOURCE_DIR}
                                            + "/tests/fuzz/oip_corpus"})
    seeds.push_back(fovea::test::read_file(entry.path()));
  REQUIRE(seeds.size() >= 4);
  std::mt19937 rng{20261204};
  size_t accepted = 0;
  for (auto& seed : seeds) {
    // Each seed is a request the reader takes (or it explores nothing).
    fovea::oip_model_info model{"fashion-mnist", "1", 28, 28, 1,
                                std::vector<std::string>(10, "c")};
    std::string length;
    size_t at = 1;
    if (seed[0] & 1) {
      length = std::to_string((size_t{seed[1]} << 8) | seed[2]);
      at = 3;
    }
    std::string body(seed.begin() + static_cast<long>(at), seed.end());
    fovea::oip_limits limits;
    limits.max_batch = 16;
    limits.max_image_bytes = 4096;
    auto read = fovea::read_infer_request(body, length, model, limits);
    INFO(fovea::describe(read ? caf::error{} : read.error()));
    CHECK(read);
    accepted += read ? 1 : 0;
    for (size_t cut = 0; cut <= seed.size(); ++cut)
      fovea_oip_rest_fuzz_one(seed.data(), cut);
    for (int round = 0; round < 2000; ++round) {
      auto mutated = seed;
      auto changes = 1 + rng() % 4;
      for (unsigned c = 0; c < changes; ++c)
        mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
      fovea_oip_rest_fuzz_one(mutated.data(), mutated.size());
    }
  }
  CHECK(accepted == seeds.size());
}
