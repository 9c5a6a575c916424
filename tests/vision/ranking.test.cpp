// A worker's ranking of classes (label_images with top-k): the best
// min(k, classes) labels with their probabilities, best first, ties by the
// lower label, led by the row's own label and score; none unless asked
// (k = 0).
#include <catch2/catch.hpp>

#include "vision/classifier.hpp"

using namespace fovea;

namespace {

decoded_batch batch_of(std::vector<uint32_t> top_k) {
  decoded_batch batch;
  for (uint32_t i = 0; i < top_k.size(); ++i) {
    batch.rows.emplace_back().index = i;
    batch.images.push_back(i);
  }
  batch.top_k = std::move(top_k);
  return batch;
}

} // namespace

TEST_CASE("rows rank the classes their task asked for, best first", "[unit]") {
  const std::vector<std::string> labels{"a", "b", "c", "d"};
  // Row 0 asks for 3, row 1 for more than there are, row 2 for none, row
  // 3 for just the best.
  auto batch = batch_of({3, 9, 0, 1});
  const std::vector<float> probabilities{
      0.1f, 0.4f, 0.1f, 0.4f, // a tie between b and d: b first
      0.7f, 0.0f, 0.2f, 0.1f, //
      0.0f, 0.0f, 1.0f, 0.0f, //
      0.0f, 0.0f, 1.0f, 0.0f};
  label_images(batch, 0, 4, probabilities, labels);
  auto& tied = batch.rows[0];
  CHECK(tied.label == 1);
  CHECK(tied.top_labels == std::vector<int32_t>{1, 3, 0});
  CHECK(tied.top_scores == std::vector<float>{0.4f, 0.4f, 0.1f});
  auto& all = batch.rows[1];
  CHECK(all.label == 0);
  CHECK(all.top_labels == std::vector<int32_t>{0, 2, 3, 1});
  CHECK(all.top_scores == std::vector<float>{0.7f, 0.2f, 0.1f, 0.0f});
  auto& plain = batch.rows[2];
  CHECK(plain.label == 2);
  CHECK(plain.class_name == "c");
  CHECK(plain.top_labels.empty());
  CHECK(plain.top_scores.empty());
  auto& best = batch.rows[3];
  CHECK(best.top_labels == std::vector<int32_t>{2});
  CHECK(best.top_scores == std::vector<float>{1.0f});
}
