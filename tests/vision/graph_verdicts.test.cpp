// A graph check's verdict is kept, and reused only by a load of the same
// model, probe set, LibTorch and CPU; what is damaged, foreign or in a
// folder others can write is never trusted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "messages/errors.hpp"
#include "tests/support/as_nobody.hpp"
#include "tests/support/images.hpp"
#include "tests/support/skip.hpp"
#include "vision/graph_verdicts.hpp"
#include "vision/model.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

const std::string reused = "the verdict of an earlier check";

std::unique_ptr<model> load_with(const fs::path& dir, const fs::path& cache) {
  auto loaded = model::load(dir, {.verdict_folder = cache});
  INFO((loaded ? std::string{} : describe(loaded.error())));
  REQUIRE(loaded);
  return std::move(*loaded);
}

size_t verdict_files(const fs::path& cache) {
  size_t n = 0;
  for (auto& entry : fs::directory_iterator{cache / "graph-checks"})
    n += entry.path().filename().string().front() != '.';
  return n;
}

fs::path only_verdict(const fs::path& cache) {
  REQUIRE(verdict_files(cache) == 1);
  return fs::directory_iterator {
    cache / "graph-checks"
    } -> path();
}

std::string key(char digit) {
  return std::string(64, digit);
}

} // namespace

TEST_CASE("a graph check's verdict is kept, and the next load of the same "
          "model reuses it",
          "[unit]") {
  auto cache = test::fresh_dir("verdicts-reuse");
  auto first = load_with(test::shipped_model(), cache);
  CHECK(first->form() == graph_form::optimized);
  CHECK_THAT(first->graph_note(), !Catch::Contains(reused));
  CHECK(fs::status(cache / "graph-checks").permissions() ==
        fs::perms::owner_all);
  auto kept = only_verdict(cache);
  auto second = load_with(test::shipped_model(), cache);
  CHECK(second->form() == graph_form::optimized);
  CHECK_THAT(
      second->graph_note(),
      Catch::Contains("agrees with the plain graph on 64 probe images") &&
          Catch::Contains(reused));
  CHECK(only_verdict(cache) == kept);
  // The reused graph is the checked one: the same probabilities.
  std::vector<float> blank(2 * first->manifest().input_size(), 0.5f);
  CHECK(first->infer(blank, 2).value() == second->infer(blank, 2).value());
}

TEST_CASE("a changed probe image or model.ini is checked again", "[unit]") {
  auto cache = test::fresh_dir("verdicts-change");
  auto dir = test::fresh_dir("verdicts-model");
  fs::copy(test::shipped_model(), dir, fs::copy_options::recursive);
  load_with(dir, cache);
  REQUIRE(verdict_files(cache) == 1);
  SECTION("a probe image") {
    fs::copy_file(dir / "probe" / "train-00001.png",
                  dir / "probe" / "train-00000.png",
                  fs::copy_options::overwrite_existing);
  }
  SECTION("model.ini") {
    std::ofstream{dir / "model.ini", std::ios::app} << "\n";
  }
  auto again = load_with(dir, cache);
  CHECK_THAT(again->graph_note(), !Catch::Contains(reused));
  CHECK(verdict_files(cache) == 2);
}

TEST_CASE("a damaged or foreign verdict is a miss, never an error", "[unit]") {
  auto cache = test::fresh_dir("verdicts-damage");
  graph_verdicts verdicts{cache};
  REQUIRE(verdicts.on());
  REQUIRE(verdicts.keep(key('a'), {graph_form::optimized, "checked"}) == "");
  auto file = cache / "graph-checks" / key('a');
  REQUIRE(verdicts.find(key('a')).value().note == "checked");
  std::ifstream in{file, std::ios::binary};
  std::string bytes{std::istreambuf_iterator<char>{in}, {}};
  in.close();
  SECTION("a flipped byte") {
    bytes[bytes.size() - 3] ^= 0x20;
    std::ofstream{file, std::ios::binary} << bytes;
    CHECK_FALSE(verdicts.find(key('a')));
  }
  SECTION("truncated") {
    std::ofstream{file, std::ios::binary} << bytes.substr(0, bytes.size() / 2);
    CHECK_FALSE(verdicts.find(key('a')));
  }
  SECTION("another key's verdict under this name") {
    fs::copy_file(file, cache / "graph-checks" / key('b'));
    CHECK_FALSE(verdicts.find(key('b')));
  }
  SECTION("a symbolic link") {
    fs::rename(file, cache / "elsewhere");
    fs::create_symlink(cache / "elsewhere", file);
    CHECK_FALSE(verdicts.find(key('a')));
  }
  SECTION("a damaged verdict of the shipped model: checked again, rewritten") {
    auto model_cache = test::fresh_dir("verdicts-damaged-model");
    load_with(test::shipped_model(), model_cache);
    auto kept = only_verdict(model_cache);
    std::ofstream{kept, std::ios::binary} << "fovea-graph-verdict 1\ngarbage";
    auto loaded = load_with(test::shipped_model(), model_cache);
    CHECK_THAT(loaded->graph_note(), !Catch::Contains(reused));
    CHECK_THAT(load_with(test::shipped_model(), model_cache)->graph_note(),
               Catch::Contains(reused));
  }
}

TEST_CASE("at most 64 verdicts are kept, the oldest going first", "[unit]") {
  auto cache = test::fresh_dir("verdicts-prune");
  graph_verdicts verdicts{cache};
  const char* digits = "0123456789abcdef";
  for (int i = 0; i < 70; ++i) {
    auto k = key('0');
    k[0] = digits[i / 16];
    k[1] = digits[i % 16];
    REQUIRE(verdicts.keep(k, {graph_form::plain, "n"}) == "");
    // Distinct modification times, oldest first, without waiting.
    auto when = fs::file_time_type::clock::now() - std::chrono::hours(70 - i);
    fs::last_write_time(cache / "graph-checks" / k, when);
  }
  CHECK(verdict_files(cache) == max_kept_verdicts);
  CHECK_FALSE(verdicts.find("00" + key('0').substr(2)));
  CHECK(verdicts.find("45" + key('0').substr(2))); // the 70th
}

TEST_CASE("a verdict folder that others can write to, or that another user "
          "owns, is not used",
          "[unit]") {
  auto cache = test::fresh_dir("verdicts-open");
  REQUIRE(graph_verdicts{cache}.on());
  fs::permissions(cache / "graph-checks", fs::perms::all);
  CHECK_FALSE(graph_verdicts{cache}.on());
  CHECK(graph_cache_folder("off").empty());
  CHECK(graph_cache_folder("/x") == fs::path{"/x"});

  if (!test::can_become_nobody()) {
    test::skip_test("another user's folder needs root to switch users");
    return;
  }
  auto owned = test::fresh_dir("verdicts-root");
  REQUIRE(graph_verdicts{owned}.on()); // root's, 0700
  fs::permissions(owned, fs::perms::all);
  fs::permissions(owned / "graph-checks", fs::perms::all ^
                                              fs::perms::others_write ^
                                              fs::perms::group_write);
  CHECK(test::as_nobody([&] { return !graph_verdicts{owned}.on(); }));
}
