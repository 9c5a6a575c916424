// A worker serves the optimized graph only where it agrees with the plain
// one on the model's probe images; otherwise, or when model.ini says so, the
// plain graph, saying why. The rule itself is checked on tables; the choice
// on the shipped model and copies of it.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "messages/errors.hpp"
#include "tests/support/images.hpp"
#include "tests/support/skip.hpp"
#include "vision/cpu_features.hpp"
#include "vision/graph_choice.hpp"
#include "vision/model.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {


// A copy of the shipped model whose model.ini ends with `inference`
// replacing its [inference] section.
fs::path model_with(const std::string& name, const std::string& inference) {
  auto dir = test::fresh_dir(name);
  fs::copy(test::shipped_model(), dir, fs::copy_options::recursive);
  std::ifstream in{dir / "model.ini"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  text = text.substr(0, text.find("[inference]"));
  std::ofstream{dir / "model.ini"} << text << "[inference]\n" << inference;
  return dir;
}

std::unique_ptr<model> load_checked(const fs::path& dir) {
  auto loaded = model::load(dir);
  INFO((loaded ? std::string{} : describe(loaded.error())));
  REQUIRE(loaded);
  return std::move(*loaded);
}

// The model's probabilities for its own probe images, in one batch.
std::vector<float> probe_scores(model& m, const fs::path& dir) {
  std::vector<fs::path> files;
  for (auto& entry : fs::directory_iterator{dir / "probe"})
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  const auto size = m.manifest().input_size();
  std::vector<float> inputs(files.size() * size);
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in{files[i], std::ios::binary};
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>{in}, {}};
    REQUIRE_FALSE(
        preprocess(bytes, m.manifest(), {inputs.data() + i * size, size}));
  }
  auto scores = m.infer(inputs, files.size());
  REQUIRE(scores);
  return *scores;
}

} // namespace

TEST_CASE("graph agreement: every probability within the tolerance, and "
          "the top-1 label wherever the margin exceeds it",
          "[unit]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct example {
    std::vector<float> reference, candidate;
    size_t classes;
    float tolerance;
    bool agrees;
  };
  auto e = GENERATE_COPY(values<example>({
      {{0.7f, 0.3f}, {0.7f, 0.3f}, 2, 0.0f, true},          // identical
      {{0.7f, 0.3f}, {0.70005f, 0.29995f}, 2, 1e-4f, true}, // within
      {{0.7f, 0.3f}, {0.7002f, 0.2998f}, 2, 1e-4f, false},  // a probability off
      // A near-tie may flip: its margin (2e-5) is below the tolerance.
      {{0.50001f, 0.49999f}, {0.49999f, 0.50001f}, 2, 1e-4f, true},
      // A clear winner may not (margin 0.01 > 0.008), even though every
      // probability moved by less than the tolerance.
      {{0.45f, 0.44f, 0.11f}, {0.444f, 0.446f, 0.11f}, 3, 8e-3f, false},
      {{0.7f, 0.3f}, {nan, 0.3f}, 2, 1e-4f, false}, // NaN never agrees
      {{0.7f, 0.3f, 0.9f, 0.1f}, {0.7f, 0.3f}, 2, 1e-4f, false}, // a row lost
  }));
  auto problem =
      graph_disagreement(e.reference, e.candidate, e.classes, e.tolerance, 8);
  INFO(problem);
  CHECK(problem.empty() == e.agrees);
  if (!e.agrees)
    CHECK_THAT(problem,
               Catch::Contains("batch size 8") || Catch::Contains("scores"));
}

TEST_CASE("the shipped model serves its optimized graph, within the "
          "tolerance of the plain one on its probe images",
          "[unit]") {
  auto optimized = load_checked(test::shipped_model());
  CHECK(optimized->form() == graph_form::optimized);
  CHECK_THAT(optimized->graph_note(),
             Catch::Contains("agrees with the plain graph on 64 probe images"));
  auto plain_dir = model_with("plain-model", "optimize = false\n");
  auto plain = load_checked(plain_dir);
  REQUIRE(plain->form() == graph_form::plain);
  auto a = probe_scores(*optimized, test::shipped_model());
  auto b = probe_scores(*plain, plain_dir);
  CHECK(graph_disagreement(b, a, 10, optimized->manifest().graph.tolerance,
                           64) == "");
}

TEST_CASE("optimize = false in model.ini serves the plain graph", "[unit]") {
  auto m = load_checked(model_with("optimize-off", "optimize = false\n"));
  CHECK(m->form() == graph_form::plain);
  CHECK(m->graph_note() == "plain graph: model.ini says optimize = false");
}

TEST_CASE("an optimized graph that disagrees beyond the tolerance is not "
          "served, and the plain one is, exactly",
          "[unit]") {
  // Conv/BN folding changes the last bits of the shipped model's
  // probabilities (by ~1e-9): with no tolerance at all, that is a
  // disagreement, found on real probe images.
  auto strict_dir = model_with("strict", "tolerance = 0\n");
  auto strict = load_checked(strict_dir);
  CHECK(strict->form() == graph_form::plain);
  CHECK_THAT(strict->graph_note(),
             Catch::StartsWith("plain graph: the optimized graph disagrees "
                               "with it on probe image") &&
                 Catch::Contains("a probability differs by") &&
                 Catch::Contains("(tolerance 0)"));
  auto plain_dir = model_with("plain-reference", "optimize = false\n");
  auto plain = load_checked(plain_dir);
  CHECK(probe_scores(*strict, strict_dir) == probe_scores(*plain, plain_dir));
}

TEST_CASE("without probe images the plain graph is served, and a broken "
          "probe image fails the load naming it",
          "[unit]") {
  auto none = model_with("no-probes", "");
  fs::remove_all(none / "probe");
  auto m = load_checked(none);
  CHECK(m->form() == graph_form::plain);
  CHECK_THAT(m->graph_note(), Catch::Contains("no probe images in"));

  auto broken = model_with("broken-probe", "");
  std::ofstream{broken / "probe" / "train-00003.png"} << "not a png";
  auto loaded = model::load(broken);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(describe(loaded.error()),
             Catch::Contains("train-00003.png: not a usable probe image"));
}

TEST_CASE("model.ini's [inference] section is checked key by key", "[unit]") {
  auto [text, complaint] = GENERATE(table<std::string, std::string>({
      {"optimize = 1\n", "inference.optimize must be true or false"},
      {"tolerance = 2\n", "inference.tolerance must be a number from 0 to 1"},
      {"tolerance = -0.1\n",
       "inference.tolerance must be a number from 0 to 1"},
      {"warm-up-budget = 5\n", "inference.warm-up-budget must be a duration"},
      {"optimise = true\n", "inference.optimise: unknown key"},
      {"quantized-engine = \"fbgemm\"\n",
       "inference.quantized-engine must be \"onednn\" or \"qnnpack\""},
      {"cpu-flags = \"avx512_vnni\"\n", "inference.cpu-flags must be a list"},
      {"cpu-flags = [\"AVX 512\"]\n", "inference.cpu-flags must be a list"},
  }));
  auto loaded = model::load(model_with("bad-inference", text));
  REQUIRE_FALSE(loaded);
  CHECK_THAT(describe(loaded.error()), Catch::Contains(complaint));
}

TEST_CASE("warm-up runs batch sizes 1, the preferred ones and the maximum "
          "before a worker registers, and the others one at a time later, "
          "within its budget",
          "[unit]") {
  auto m = load_checked(test::shipped_model());
  batching_policy policy;
  policy.max_batch_size = 32;
  policy.preferred_batch_sizes = {8, 16};
  CHECK_THAT(m->warm_up(policy),
             Catch::StartsWith("warmed up batch sizes 1,8,16,32 in ")
               && Catch::EndsWith("; 28 others follow while it idles"));
  int later = 1; // the call that returns false warmed the last one
  while (m->warm_next())
    ++later;
  CHECK(later == 28);
  CHECK_FALSE(m->warm_next());
  auto broke = load_checked(model_with("no-budget", "warm-up-budget = 0s\n"));
  CHECK_THAT(broke->warm_up(policy),
             Catch::StartsWith("warmed up batch sizes none") &&
                 Catch::Contains("stopped at the warm-up budget of 0 ms"));
  CHECK_FALSE(broke->warm_next());
}

TEST_CASE("a model that needs a CPU feature this CPU lacks is refused, "
          "naming the feature",
          "[unit]") {
  // No CPU has this flag: the same path as an int8 model on a CPU without
  // AVX512_VNNI.
  auto dir = model_with("needs-flag",
                        "cpu-flags = [\"fpu\", \"fovea_no_such_feature\"]\n");
  auto loaded = model::load(dir);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(describe(loaded.error()),
             Catch::Contains("model.ini: this model needs CPU features this "
                             "CPU lacks (fovea_no_such_feature, as "
                             "/proc/cpuinfo names them)"));
}

TEST_CASE("the int8 variant gives each probe image one label, whatever "
          "the batch size",
          "[unit]") {
  auto dir = fs::path{FOVEA_SOURCE_DIR} / "models" / "fashion-mnist-int8" / "1";
  auto missing = missing_cpu_flags({"avx512_vnni"});
  if (!missing.empty()) {
    test::skip_test("this CPU lacks avx512_vnni, which the int8 variant needs");
    return;
  }
  auto m = load_checked(dir);
  CHECK(m->manifest().label() == "fashion-mnist-int8@1");
  auto together = probe_scores(*m, dir);
  const auto size = m->manifest().input_size();
  const auto classes = m->labels().size();
  const auto images = together.size() / classes;
  REQUIRE(images == 64);
  // The same images one at a time: integer kernels, the same labels.
  std::vector<fs::path> files;
  for (auto& entry : fs::directory_iterator{dir / "probe"})
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  int differing = 0;
  for (size_t i = 0; i < images; ++i) {
    std::ifstream in{files[i], std::ios::binary};
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>{in}, {}};
    std::vector<float> input(size);
    REQUIRE_FALSE(preprocess(bytes, m->manifest(), input));
    auto alone = m->infer(input, 1);
    REQUIRE(alone);
    auto first = together.begin() + i * classes;
    differing +=
        std::max_element(alone->begin(), alone->end()) - alone->begin() !=
        std::max_element(first, first + classes) - first;
  }
  CHECK(differing == 0);
}
