// The decode fuzz target (tests/fuzz/decode_fuzzer.cpp) on its seed corpus
// and on mutations of it: truncations at every length and seeded random
// byte changes. Under the sanitizer build this is a short fuzz run on
// every commit; scripts/fuzz runs libFuzzer for the long ones.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>

#include "tests/support/images.hpp"
#include "vision/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> all;
  for (auto& entry :
       fs::directory_iterator{std::string{FOVEA_SOURCE_DIR} + "/tests/fuzz/corpus"})
    all.emplace_back(entry.path().filename().string(),
                     fovea::test::read_file(entry.path()));
  std::sort(all.begin(), all.end());
  return all;
}

void run(const std::vector<uint8_t>& bytes) {
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

} // namespace

TEST_CASE("the decode fuzz target survives its seeds, every truncation of "
          "them, and random mutations",
          "[unit][fuzz]") {
  auto corpus = seeds();
  REQUIRE(corpus.size() >= 10);
  std::mt19937 rng{20261124};
  size_t runs = 0;
  for (auto& [name, bytes] : corpus) {
    INFO(name);
    auto header = fovea::read_image_header(bytes);
    CHECK(header.problem == (name == "truncated.jpg" ? "truncated JPEG" : ""));
    run(bytes);
    for (size_t keep = 0; keep < bytes.size(); ++keep, ++runs)
      run({bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(keep)});
    for (int i = 0; i < 300; ++i, ++runs) {
      auto mutated = bytes;
      auto changes = 1 + rng() % 8;
      for (unsigned c = 0; c < changes && !mutated.empty(); ++c)
        mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
      run(mutated);
    }
  }
  CHECK(runs > 5000);
}
