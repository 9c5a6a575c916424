// The inference pipeline (decoders + model runner with dynamic batching, or
// a runner that decodes for itself)
// answers concurrent requests exactly as one classifier answering them one
// at a time would: same labels, same scores, each request whole.
#include <catch2/catch.hpp>

#include <caf/scoped_actor.hpp>

#include "actors/inference.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/images.hpp"
#include "vision/classifier.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<model> shipped_model() {
  auto loaded = model::load(std::string{FOVEA_SOURCE_DIR}
                            + "/models/fashion-mnist/1");
  REQUIRE(loaded);
  return std::move(*loaded);
}

// Request r has r + 1 tasks; every third one is not an image.
std::vector<image_task> request(uint64_t r) {
  std::vector<image_task> tasks;
  for (uint64_t i = 0; i <= r; ++i) {
    auto& t = tasks.emplace_back();
    t.job = r;
    t.index = i;
    t.path = "r" + std::to_string(r) + "-" + std::to_string(i) + ".png";
    if (i % 3 == 2)
      t.bytes = {'n', 'o', 't'};
    else
      t.bytes = test::pattern_png(static_cast<int>(r * 31 + i));
  }
  return tasks;
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "the pipeline batches across concurrent requests and "
                 "answers each like a one-at-a-time classifier",
                 "[unit]") {
  auto [max_batch, delay, decoders]
    = GENERATE(std::tuple{size_t{4}, 0ms, size_t{0}},
               std::tuple{size_t{5}, 2ms, size_t{0}},
               std::tuple{size_t{4}, 0ms, size_t{1}},
               std::tuple{size_t{7}, 20ms, size_t{2}},
               std::tuple{size_t{64}, 5ms, size_t{3}});
  INFO("max batch " << max_batch << ", delay " << delay.count()
                    << " ms, decoders " << decoders);
  classifier reference{shipped_model(), "w"};
  inference_options options;
  options.worker_id = "w";
  options.decoders = decoders;
  options.batching.max_batch_size = max_batch;
  options.batching.max_queue_delay = delay;
  auto engine = spawn_inference(sys, shipped_model(), options);
  constexpr uint64_t requests = 12;
  // All sent before any answer is read, so they queue together.
  for (uint64_t r = 0; r < requests; ++r)
    self->send(engine, classify_atom::value, request(r));
  std::map<uint64_t, std::vector<prediction>> answers;
  for (uint64_t r = 0; r < requests; ++r)
    self->receive([&](std::vector<prediction>& rows) {
      REQUIRE_FALSE(rows.empty());
      answers[rows.front().job] = std::move(rows);
    });
  REQUIRE(answers.size() == requests);
  for (auto& [r, rows] : answers) {
    auto expected = reference.classify(request(r));
    REQUIRE(rows.size() == expected.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      INFO(rows[i].path);
      CHECK(rows[i].index == i);
      CHECK(rows[i].path == expected[i].path);
      CHECK(rows[i].label == expected[i].label);
      CHECK(rows[i].score == Approx(expected[i].score).epsilon(1e-4));
      CHECK(rows[i].error == expected[i].error);
      CHECK(rows[i].worker == "w");
    }
  }
  self->send_exit(engine, caf::exit_reason::user_shutdown);
}

namespace {

// The value of fovea_worker_batches_in_flight in a scrape.
double batches_in_flight(const node_metrics& node) {
  auto text = node.scrape();
  auto at = text.find("\nfovea_worker_batches_in_flight{");
  REQUIRE(at != std::string::npos);
  auto value = text.find("} ", at);
  return std::stod(text.substr(value + 2));
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "a runner that decodes for itself counts the batches it "
                 "holds, until answered or gone",
                 "[unit]") {
  node_metrics node{"w", "worker", {}};
  inference_options options;
  options.worker_id = "w";
  options.decoders = 0;
  options.metrics = std::make_shared<worker_metrics>(node, "fashion-mnist@1");
  SECTION("answered") {
    auto engine = spawn_inference(sys, shipped_model(), options);
    for (uint64_t r = 0; r < 3; ++r)
      self->send(engine, classify_atom::value, request(r));
    for (int i = 0; i < 3; ++i)
      self->receive([](std::vector<prediction>&) {});
    CHECK(batches_in_flight(node) == 0);
    self->monitor(engine);
    self->send_exit(engine, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}); // it used `node`
  }
  SECTION("held, then the actor ends") {
    // One image each, far below the batch size, and a long delay: the
    // requests wait in the runner's queue.
    options.batching.max_batch_size = 64;
    options.batching.max_queue_delay = 10s;
    auto engine = spawn_inference(sys, shipped_model(), options);
    for (uint64_t r = 0; r < 3; ++r)
      self->send(engine, classify_atom::value, request(0));
    // A request with no image is answered at once, and only after the
    // three before it were queued (one mailbox, in order).
    std::vector<image_task> nothing(1);
    nothing[0].bytes = {'n', 'o'};
    self->send(engine, classify_atom::value, nothing);
    self->receive([](std::vector<prediction>& rows) {
      REQUIRE(rows.size() == 1);
      CHECK_FALSE(rows[0].error.empty());
    });
    CHECK(batches_in_flight(node) == 3);
    self->monitor(engine);
    self->send_exit(engine, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {});
    CHECK(batches_in_flight(node) == 0);
  }
}
