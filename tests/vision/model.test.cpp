// The shipped TorchScript model loads, runs, and is refused with a clear
// reason when its directory is broken.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>

#include "messages/errors.hpp"
#include "tests/support/images.hpp"
#include "vision/classifier.hpp"
#include "vision/model.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {


// A copy of the shipped model directory, to break one file of.
fs::path copy_of_model(const std::string& name) {
  auto dir = test::fresh_dir(name);
  for (auto file : {"model.pt", "labels.txt", "model.ini"})
    fs::copy_file(test::shipped_model() / file, dir / file);
  return dir;
}

std::string load_error(const fs::path& dir) {
  auto loaded = model::load(dir);
  REQUIRE_FALSE(loaded);
  return describe(loaded.error());
}

} // namespace

TEST_CASE("the shipped model classifies a batch into probabilities",
          "[unit]") {
  auto loaded = model::load(test::shipped_model());
  REQUIRE(loaded);
  auto& m = **loaded;
  CHECK(m.labels().size() == 10);
  CHECK(m.labels()[9] == "Ankle boot");
  CHECK(m.manifest().input_size() == 28 * 28);
  std::vector<float> inputs(3 * m.manifest().input_size(), 0.0f);
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i] = static_cast<float>(i % 97) / 50.0f - 1.0f;
  auto probabilities = m.infer(inputs, 3);
  REQUIRE(probabilities);
  REQUIRE(probabilities->size() == 30);
  for (int row = 0; row < 3; ++row) {
    auto first = probabilities->begin() + row * 10;
    CHECK(std::accumulate(first, first + 10, 0.0f)
          == Approx(1.0f).epsilon(1e-4));
  }
}

TEST_CASE("a classifier answers every task once, in order, errors as rows",
          "[unit]") {
  auto loaded = model::load(test::shipped_model());
  REQUIRE(loaded);
  classifier engine{std::move(*loaded), "w-test"};
  std::vector<image_task> tasks(4);
  for (uint64_t i = 0; i < tasks.size(); ++i) {
    tasks[i].job = 3;
    tasks[i].index = 10 + i;
    tasks[i].path = "img" + std::to_string(i) + ".png";
    tasks[i].bytes = test::pattern_png(static_cast<int>(i));
  }
  tasks[2].bytes = {'n', 'o', 'p', 'e'};
  auto rows = engine.classify(tasks);
  REQUIRE(rows.size() == 4);
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].job == 3u);
    CHECK(rows[i].index == 10 + i);
    CHECK(rows[i].path == tasks[i].path);
    CHECK(rows[i].worker == "w-test");
  }
  CHECK(rows[2].label == -1);
  CHECK(rows[2].error == "bad image: not a PNG or JPEG file");
  for (auto i : {0, 1, 3}) {
    CHECK(rows[i].ok());
    CHECK(rows[i].label >= 0);
    CHECK(rows[i].label < 10);
    CHECK(rows[i].score > 0.0f);
    CHECK(rows[i].class_name == engine.loaded_model().labels()[rows[i].label]);
  }
  SECTION("the same image gets the same answer alone or in a batch") {
    std::vector<image_task> alone{tasks[3]};
    auto single = engine.classify(alone);
    CHECK(single[0].label == rows[3].label);
    CHECK(single[0].score == Approx(rows[3].score).epsilon(1e-5));
  }
}

TEST_CASE("preprocessed pixels are classified as their image is, and "
          "pixels of the wrong size or not finite are error rows",
          "[unit][oip]") {
  auto loaded = model::load(test::shipped_model());
  REQUIRE(loaded);
  auto manifest = (*loaded)->manifest();
  classifier engine{std::move(*loaded), "w-test"};
  image_task encoded;
  encoded.bytes = test::pattern_png(7);
  std::vector<float> pixels(manifest.input_size());
  REQUIRE_FALSE(preprocess(encoded.bytes, manifest, pixels));
  auto as_pixels = [](std::vector<float> values) {
    image_task task;
    task.pixels = true;
    auto* first = reinterpret_cast<const uint8_t*>(values.data());
    task.bytes.assign(first, first + values.size() * sizeof(float));
    return task;
  };
  auto nan = pixels;
  nan[5] = std::numeric_limits<float>::quiet_NaN();
  std::vector<image_task> tasks{
    encoded, as_pixels(pixels),
    as_pixels(std::vector<float>(pixels.begin(), pixels.end() - 1)),
    as_pixels(nan)};
  auto rows = engine.classify(tasks);
  REQUIRE(rows.size() == 4);
  REQUIRE(rows[0].ok());
  REQUIRE(rows[1].ok());
  CHECK(rows[1].label == rows[0].label);
  CHECK(rows[1].score == Approx(rows[0].score).epsilon(1e-6));
  CHECK(rows[2].error == "bad image: 783 pixel values where the model takes "
                         "784");
  CHECK(rows[3].error
        == "bad image: a pixel value that is not a finite number");
}

// The shipped model.ini with its sha256 line replaced by `pin`.
static std::string manifest_pinning(const std::string& pin) {
  auto ini = test::read_file(std::string{FOVEA_SOURCE_DIR}
                             + "/models/fashion-mnist/1/model.ini");
  std::string text{ini.begin(), ini.end()};
  auto line = text.find("sha256 =");
  REQUIRE(line != std::string::npos);
  return text.substr(0, line) + pin;
}

TEST_CASE("model.ini's [batching] section sets the worker's batching, and "
          "bad knobs are refused by name",
          "[unit]") {
  auto shipped = load_manifest(test::shipped_model());
  REQUIRE(shipped);
  CHECK(shipped->batching.max_batch_size == 64);
  auto [ini, expected] = GENERATE(table<std::string, std::string>({
    {"max-batch-size = 0\n", "batching.max-batch-size must be a positive"},
    {"max-batch-size = 8\npreferred-batch-sizes = [4, 16]\n",
     "batching.preferred-batch-sizes must each be from 1 to max-batch-size"},
    {"preferred-batch-sizes = [\"a\"]\n",
     "batching.preferred-batch-sizes must be a list of positive integers"},
    {"max-queue-delay = 5\n", "batching.max-queue-delay must be a duration"},
    {"max-queue-delay = 1min\n", "max-queue-delay must be from 0 to 10s"},
    {"delay = 1ms\n", "batching.delay: unknown key"},
  }));
  INFO(ini);
  auto dir = copy_of_model("batching");
  std::ofstream{dir / "model.ini", std::ios::trunc}
    << manifest_pinning("[batching]\n" + ini);
  CHECK(load_error(dir).find(expected) != std::string::npos);
  std::ofstream{dir / "model.ini", std::ios::trunc}
    << manifest_pinning("[batching]\nmax-batch-size = 16\n"
                        "preferred-batch-sizes = [8, 4]\n"
                        "max-queue-delay = 500us\n");
  auto custom = load_manifest(dir);
  REQUIRE(custom);
  CHECK(custom->batching.max_batch_size == 16);
  CHECK(custom->batching.preferred_batch_sizes == std::vector<size_t>{4, 8});
  CHECK(custom->batching.max_queue_delay == std::chrono::microseconds{500});
}

TEST_CASE("a shorter-side manifest loads with its resize-to, and the shipped "
          "model stretches",
          "[unit]") {
  auto shipped = load_manifest(test::shipped_model());
  REQUIRE(shipped);
  CHECK(shipped->resize == resize_mode::stretch);
  auto dir = copy_of_model("shorter-side");
  auto text = manifest_pinning("");
  auto at = text.find("resize = \"stretch\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 18, "resize = \"shorter-side\"\nresize-to = 32");
  std::ofstream{dir / "model.ini", std::ios::trunc} << text;
  auto cropping = load_manifest(dir);
  REQUIRE(cropping);
  CHECK(cropping->resize == resize_mode::shorter_side);
  CHECK(cropping->resize_to == 32);
}

TEST_CASE("a broken model directory is refused with the reason", "[unit]") {
  SECTION("missing directory") {
    CHECK(load_error("/nonexistent/model")
          == "bad model: /nonexistent/model: model directory not found");
  }
  SECTION("labels that do not match the model's outputs") {
    auto dir = copy_of_model("nine-labels");
    std::ofstream{dir / "labels.txt"} << "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
    CHECK(load_error(dir).find("the model outputs 10 classes but labels.txt "
                               "names 9")
          != std::string::npos);
  }
  SECTION("a truncated model.pt, against the SHA-256 model.ini pins") {
    auto dir = copy_of_model("truncated");
    fs::resize_file(dir / "model.pt", 1000);
    CHECK(load_error(dir).find("model.pt: SHA-256 is ") != std::string::npos);
    CHECK(load_error(dir).find(" but model.ini pins ae92b0ef")
          != std::string::npos);
  }
  SECTION("without a pin, a truncated or foreign model.pt is still refused") {
    auto dir = copy_of_model("unpinned");
    std::ofstream{dir / "model.ini", std::ios::trunc} << manifest_pinning("");
    fs::resize_file(dir / "model.pt", 1000);
    CHECK(load_error(dir).find("not a usable TorchScript model")
          != std::string::npos);
    std::ofstream{dir / "model.pt", std::ios::trunc} << "print('hello')\n";
    CHECK(load_error(dir).find("not a usable TorchScript model")
          != std::string::npos);
  }
  SECTION("a malformed pin") {
    auto dir = copy_of_model("bad-pin");
    std::ofstream{dir / "model.ini", std::ios::trunc}
      << manifest_pinning("sha256 = \"abc\"\n");
    CHECK(load_error(dir).find("model.sha256 must be 64 lower-case hex")
          != std::string::npos);
  }
  SECTION("a name, version or resize the cluster could not use") {
    auto [from, to, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"version = \"1\"", "version = \"v2\"", "model.version must be a whole number"},
      {"version = \"1\"", "version = \"01\"", "model.version must be a whole number"},
      {"name = \"fashion-mnist\"", "name = \"fashion mnist\"", "model.name must be 1-64"},
      {"name = \"fashion-mnist\"", "name = \"a@1\"", "model.name must be 1-64"},
      {"resize = \"stretch\"", "resize = \"crop\"", "unknown mode 'crop' (known: stretch, shorter-side)"},
      {"resize = \"stretch\"", "resize = \"shorter-side\"", "needs model.resize-to"},
      {"resize = \"stretch\"", "resize = \"shorter-side\"\nresize-to = 27", "model.resize-to must be from max(width, height)"},
      {"resize = \"stretch\"", "resize = \"stretch\"\nresize-to = 32", "model.resize-to applies only to resize = \"shorter-side\""},
    }));
    auto dir = copy_of_model("bad-label");
    auto text = manifest_pinning("");
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream{dir / "model.ini", std::ios::trunc} << text;
    CHECK(load_error(dir).find(expected) != std::string::npos);
  }
  SECTION("an unknown key in model.ini") {
    auto dir = copy_of_model("unknown-key");
    std::ofstream{dir / "model.ini", std::ios::trunc}
      << manifest_pinning("colour = 3\n");
    CHECK(load_error(dir).find("model.colour: unknown key (known: name, version")
          != std::string::npos);
  }
}
