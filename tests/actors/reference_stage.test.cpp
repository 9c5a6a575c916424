// A worker's reference stage reads a batch's references before the model
// sees it: the labels are those of the same bytes sent in the task, a
// refused reference is its row, and a worker without the stage refuses
// references rather than decode nothing.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <caf/scoped_actor.hpp>

#include "actors/reference_stage.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/images.hpp"
#include "vision/classifier.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<model> fashion_model() {
  auto loaded =
      model::load(std::string{FOVEA_SOURCE_DIR} + "/models/fashion-mnist/1");
  REQUIRE(loaded);
  return std::move(*loaded);
}

image_task task_at(uint64_t index, std::string path, reference_kind kind,
                   std::vector<uint8_t> bytes = {}) {
  image_task t;
  t.job = 1;
  t.index = index;
  t.path = std::move(path);
  t.reference = kind;
  t.bytes = std::move(bytes);
  return t;
}

std::vector<prediction> classify_with(caf::scoped_actor& self,
                                      const inference_actor& engine,
                                      std::vector<image_task> tasks) {
  std::vector<prediction> rows;
  self->request(engine, 30s, classify_atom::value, std::move(tasks))
      .receive(
          [&](std::vector<prediction>& answer) { rows = std::move(answer); },
          [](caf::error& err) { FAIL(to_string(err)); });
  return rows;
}

// The Fashion model behind a reference stage that reads beneath `root`.
inference_actor shared_stage(caf::actor_system& sys, const fs::path& root) {
  storage_settings settings;
  settings.shared_roots = {root.string()};
  auto reader = reference_reader::open(settings);
  REQUIRE(reader);
  inference_options options;
  options.worker_id = "w";
  return spawn_reference_stage(
      sys, spawn_inference(sys, fashion_model(), options), *reader);
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "a worker reads shared references before its model runs, "
                 "labels them as the same bytes sent, and refuses the rest",
                 "[unit][storage]") {
  auto dir = test::fresh_dir("reference-stage");
  auto root = dir / "shared";
  fs::create_directories(root);
  auto inside = test::pattern_png(7);
  test::write_file(root / "a.png", inside);
  test::write_file(dir / "outside.png", test::pattern_png(8));
  auto stage = shared_stage(sys, root);
  auto pushed = test::pattern_png(9);
  auto rows = classify_with(
      self, stage,
      {task_at(0, (root / "a.png").string(), reference_kind::shared),
       task_at(1, (dir / "outside.png").string(), reference_kind::shared),
       task_at(2, "pushed.png", reference_kind::none, pushed),
       task_at(3, "s3://images/x.png", reference_kind::s3)});
  REQUIRE(rows.size() == 4);
  classifier direct{fashion_model(), "w"};
  auto expected =
      direct.classify({task_at(0, "a.png", reference_kind::none, inside),
                       task_at(2, "pushed.png", reference_kind::none, pushed)});
  CHECK(rows[0].error == "");
  CHECK(rows[0].label == expected[0].label);
  CHECK(rows[0].score == Approx(expected[0].score).epsilon(1e-5));
  CHECK_THAT(rows[1].error, Catch::Contains("beneath none of"));
  CHECK(rows[2].label == expected[1].label);
  CHECK_THAT(rows[3].error, Catch::Contains("fovea.s3-endpoint is empty"));
  // A worker without the stage (no storage settings) says so in the row.
  inference_options options;
  options.worker_id = "w";
  auto plain = spawn_inference(sys, fashion_model(), options);
  auto refused = classify_with(
      self, plain,
      {task_at(0, (root / "a.png").string(), reference_kind::shared)});
  REQUIRE(refused.size() == 1);
  CHECK_THAT(refused[0].error, Catch::Contains("reads no inputs by reference"));
  self->send_exit(stage, caf::exit_reason::user_shutdown);
  self->send_exit(plain, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "a resumed job's shared file still at its row's version is "
                 "answered unchanged without the model, a changed one is "
                 "classified anew", "[unit][storage]") {
  auto dir = test::fresh_dir("reference-versions");
  auto root = dir / "shared";
  fs::create_directories(root);
  auto file = root / "a.png";
  test::write_file(file, test::pattern_png(7));
  auto stage = shared_stage(sys, root);
  // A first read names the version it read; a pushed input has none, a
  // reference that was not read an unknown one.
  auto first = classify_with(
      self, stage,
      {task_at(0, file.string(), reference_kind::shared),
       task_at(1, "pushed.png", reference_kind::none, test::pattern_png(9)),
       task_at(2, (dir / "outside.png").string(), reference_kind::shared)});
  REQUIRE(first.size() == 3);
  REQUIRE(first[0].ok());
  auto version = first[0].source_version;
  CHECK_THAT(version, Catch::Matches("[0-9]+:[0-9]+\\.[0-9]{9}"));
  CHECK_FALSE(first[0].unchanged);
  CHECK(first[1].source_version.empty());
  CHECK(first[2].source_version == unknown_source_version);
  // Resumed: still at that version.
  auto again = task_at(0, file.string(), reference_kind::shared);
  again.known_version = version;
  auto checked = classify_with(self, stage, {again});
  REQUIRE(checked.size() == 1);
  CHECK(checked[0].unchanged);
  CHECK(checked[0].source_version == version);
  CHECK(checked[0].label == -1); // the model did not run
  // The file is rewritten (other bytes, another time): classified anew.
  test::write_file(file, test::pattern_png(3));
  struct timespec times[2] = {{0, UTIME_OMIT}, {1'700'000'000, 5}};
  REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
  auto changed = classify_with(self, stage, {again});
  REQUIRE(changed.size() == 1);
  CHECK_FALSE(changed[0].unchanged);
  CHECK(changed[0].ok());
  CHECK(changed[0].label >= 0);
  CHECK(changed[0].source_version != version);
  CHECK_THAT(changed[0].source_version, Catch::EndsWith(":1700000000.000000005"));
  self->send_exit(stage, caf::exit_reason::user_shutdown);
}
