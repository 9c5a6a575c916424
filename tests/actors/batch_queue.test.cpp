// Dynamic batching as plain logic: when the policy runs a batch, and how
// the queue cuts model batches across requests and hands rows back.
#include <catch2/catch.hpp>

#include "actors/batch_queue.hpp"
#include "vision/batching_policy.hpp"

using namespace fovea;
using namespace std::chrono_literals;

TEST_CASE("the batching policy runs full or preferred batches at once and "
          "short ones after the delay",
          "[unit]") {
  batching_policy p;
  p.max_batch_size = 32;
  p.max_queue_delay = 2ms;
  CHECK(p.batch_to_run(0, 1s) == 0);
  CHECK(p.batch_to_run(40, 0us) == 32);
  CHECK(p.batch_to_run(32, 0us) == 32);
  CHECK(p.batch_to_run(10, 1ms) == 0);
  CHECK(p.batch_to_run(10, 2ms) == 10);
  p.preferred_batch_sizes = {16, 8};
  REQUIRE(p.check().empty());
  CHECK(p.preferred_batch_sizes == std::vector<size_t>{8, 16});
  CHECK(p.batch_to_run(10, 0us) == 8);
  CHECK(p.batch_to_run(20, 0us) == 16);
  CHECK(p.batch_to_run(5, 0us) == 0);
  CHECK(p.batch_to_run(5, 3ms) == 5);
  p.max_queue_delay = 0us;
  CHECK(p.batch_to_run(1, 0us) == 1);
  p.preferred_batch_sizes = {64};
  CHECK(p.check() == "preferred-batch-sizes must each be from 1 to "
                     "max-batch-size");
  p.preferred_batch_sizes.clear();
  p.max_batch_size = 0;
  CHECK(p.check() == "max-batch-size must be from 1 to 4096");
}

namespace {

// A request of `tasks` tasks whose odd-numbered ones did not decode; each
// decoded image is one float, request * 100 + task.
decoded_batch request(int id, int tasks) {
  decoded_batch b;
  for (int t = 0; t < tasks; ++t) {
    auto& row = b.rows.emplace_back();
    row.index = static_cast<uint64_t>(id * 100 + t);
    if (t % 2 == 1) {
      row.error = "bad image";
      continue;
    }
    b.images.push_back(static_cast<uint32_t>(t));
    b.inputs.push_back(static_cast<float>(id * 100 + t));
  }
  return b;
}

// Two classes; class 1 wins for inputs whose value is even hundreds + 0..49.
std::vector<float> probabilities_for(const std::vector<float>& inputs) {
  std::vector<float> out;
  for (auto x : inputs) {
    bool one = static_cast<int>(x) % 4 == 0;
    out.push_back(one ? 0.25f : 0.75f);
    out.push_back(one ? 0.75f : 0.25f);
  }
  return out;
}

} // namespace

TEST_CASE("a model batch spans requests, and each request is answered "
          "whole, in task order, once its last image is done",
          "[unit]") {
  const std::vector<std::string> labels{"zero", "one"};
  batch_queue q{1};
  auto now = batch_queue::clock::now();
  auto first = q.push(request(1, 5), now);       // 3 images
  q.push(request(2, 1), now + 1ms);              // 1 image
  auto third = q.push(request(3, 12), now + 2ms); // 6 images
  CHECK(q.images() == 10);
  CHECK(q.oldest() == now);

  auto a = q.take(5); // all of 1 and 2, one of 3
  CHECK(a.count == 5);
  CHECK(a.inputs == std::vector<float>{100, 102, 104, 200, 300});
  CHECK(q.images() == 5);
  CHECK(q.oldest() == now + 2ms);
  auto done = q.finish(a, probabilities_for(a.inputs), labels, {});
  REQUIRE(done.size() == 2);
  CHECK(done[0].id == first);
  CHECK(done[0].failure.empty());
  auto& rows = done[0].rows;
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].class_name == "one"); // 100 % 4 == 0
  CHECK(rows[0].score == 0.75f);
  CHECK(rows[1].error == "bad image");
  CHECK(rows[1].label == -1);
  CHECK(rows[2].class_name == "zero"); // 102
  CHECK(rows[4].label == 1);           // 104
  CHECK(done[1].rows.size() == 1);

  auto b = q.take(3);
  CHECK(b.inputs == std::vector<float>{302, 304, 306});
  CHECK(q.finish(b, probabilities_for(b.inputs), labels, {}).empty());
  auto c = q.take(99);
  CHECK(c.count == 2);
  done = q.finish(c, {}, labels, "model failed");
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == third);
  // The model failed on part of it: the whole request fails, to be retried
  // elsewhere; no image of it gets an error row for the model's failure.
  CHECK(done[0].failure == "model failed");
  for (auto& row : done[0].rows)
    CHECK(row.error != "model failed");
  CHECK(q.images() == 0);
}

TEST_CASE("an urgent request goes ahead of every job request even a "
          "started one and every request still completes whole",
          "[unit]") {
  const std::vector<std::string> labels{"zero", "one"};
  batch_queue q{1};
  auto now = batch_queue::clock::now();
  auto started = q.push(request(1, 6), now);  // 3 images
  auto waiting = q.push(request(2, 4), now);  // 2 images
  auto a = q.take(2);                         // two of the first
  CHECK(a.inputs == std::vector<float>{100, 102});
  CHECK(q.finish(a, probabilities_for(a.inputs), labels, {}).empty());
  auto urgent = q.push(request(3, 2), now + 5ms, true);  // 1 image
  auto second = q.push(request(4, 2), now + 6ms, true);  // 1 image
  CHECK(q.oldest() == now); // the started request's, not the front's
  CHECK(q.through_urgent() == 2); // the two urgent ones alone
  // The urgent ones in their order, in a pass without the started one's
  // last image: they finish ahead of it.
  auto b = q.take(2);
  CHECK(b.inputs == std::vector<float>{300, 400});
  auto done = q.finish(b, probabilities_for(b.inputs), labels, {});
  REQUIRE(done.size() == 2);
  CHECK(done[0].id == urgent);
  CHECK(done[1].id == second);
  CHECK(done[0].rows.at(0).label == 1); // 300 % 4 == 0: class one
  CHECK(q.through_urgent() == 0);
  // Then the rest of the started one, and the one that waited.
  auto c = q.take(9);
  CHECK(c.inputs == std::vector<float>{104, 200, 202});
  done = q.finish(c, probabilities_for(c.inputs), labels, {});
  REQUIRE(done.size() == 2);
  CHECK(done[0].id == started);
  CHECK(done[1].id == waiting);
  CHECK(done[0].rows.size() == 6); // 3 images, 3 that did not decode
  CHECK(q.images() == 0);
}
