// A worker's reference stage reads a batch's references before the model
// sees it: the labels are those of the same bytes sent in the task, a
// refused reference is its row, and a worker without the stage refuses
// references rather than decode nothing.
#include <catch2/catch.hpp>

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
  storage_settings settings;
  settings.shared_roots = {root.string()};
  auto reader = reference_reader::open(settings);
  REQUIRE(reader);
  inference_options options;
  options.worker_id = "w";
  auto stage = spawn_reference_stage(
      sys, spawn_inference(sys, fashion_model(), options), *reader);
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
  auto plain = spawn_inference(sys, fashion_model(), options);
  auto refused = classify_with(
      self, plain,
      {task_at(0, (root / "a.png").string(), reference_kind::shared)});
  REQUIRE(refused.size() == 1);
  CHECK_THAT(refused[0].error, Catch::Contains("reads no inputs by reference"));
  self->send_exit(stage, caf::exit_reason::user_shutdown);
  self->send_exit(plain, caf::exit_reason::user_shutdown);
}
