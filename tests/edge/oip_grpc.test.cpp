// The Open Inference Protocol's gRPC reader and writer (edge/oip_grpc.hpp):
// what each request shape becomes, answers in the shape the request came
// in, the message limit, and hostile messages: every seed's serialized
// bytes truncated and mutated at random, parsed by protobuf and read, never
// anything but a request or an invalid_request error.
#include <catch2/catch.hpp>

#include <climits>
#include <cstring>
#include <random>

#include "edge/oip_grpc.hpp"
#include "messages/errors.hpp"
#include "open_inference_grpc.pb.h"

using namespace fovea;

namespace {

oip_model_info grpc_test_model() {
  oip_model_info m;
  m.name = "fashion-mnist";
  m.version = "1";
  m.width = 28;
  m.height = 28;
  m.channels = 1;
  for (int i = 0; i < 10; ++i)
    m.labels.push_back("class " + std::to_string(i));
  return m;
}

oip_limits small_limits() {
  oip_limits limits;
  limits.max_batch = 8;
  limits.max_image_bytes = 1024;
  return limits;
}

std::string prefixed(const std::vector<std::string>& images) {
  std::string raw;
  for (auto& image : images) {
    auto n = static_cast<uint32_t>(image.size());
    raw.append(reinterpret_cast<const char*>(&n), 4);
    raw += image;
  }
  return raw;
}

inference::ModelInferRequest raw_images(const std::vector<std::string>& images) {
  inference::ModelInferRequest request;
  request.set_model_name("fashion-mnist");
  request.set_id("r1");
  auto* input = request.add_inputs();
  input->set_name("image");
  input->set_datatype("BYTES");
  input->add_shape(static_cast<int64_t>(images.size()));
  auto* output = request.add_outputs();
  output->set_name("probabilities");
  (*output->mutable_parameters())["classification"].set_int64_param(2);
  request.add_raw_input_contents(prefixed(images));
  return request;
}

inference::ModelInferRequest typed_pixels(size_t batch, float value) {
  inference::ModelInferRequest request;
  request.set_model_name("fashion-mnist");
  auto* input = request.add_inputs();
  input->set_name("input");
  input->set_datatype("FP32");
  for (int64_t d : {static_cast<int64_t>(batch), int64_t{1}, int64_t{28},
                    int64_t{28}})
    input->add_shape(d);
  for (size_t i = 0; i < batch * 784; ++i)
    input->mutable_contents()->add_fp32_contents(value);
  (*request.mutable_parameters())["timeout"].set_uint64_param(250000);
  return request;
}

std::vector<std::vector<float>> two_rows() {
  std::vector<std::vector<float>> rows(2, std::vector<float>(10, 0.0f));
  rows[0][3] = 0.75f;
  rows[0][7] = 0.25f;
  rows[1][9] = 1.0f;
  return rows;
}

} // namespace

TEST_CASE("a raw BYTES request is read into its images and answered raw",
          "[unit][oip][grpc]") {
  auto read = read_grpc_infer_request(raw_images({"abc", "defg"}), grpc_test_model(),
                                      small_limits());
  REQUIRE(read);
  CHECK(read->images == std::vector<std::vector<uint8_t>>{
                          {'a', 'b', 'c'}, {'d', 'e', 'f', 'g'}});
  CHECK(read->batch == 2);
  CHECK(read->classification == 2);
  CHECK(read->binary_output);
  CHECK(read->id == "r1");
  inference::ModelInferResponse answer;
  write_grpc_infer_answer(*read, grpc_test_model(), two_rows(), answer);
  CHECK(answer.id() == "r1");
  REQUIRE(answer.outputs_size() == 1);
  CHECK(answer.outputs(0).datatype() == "BYTES");
  CHECK(answer.outputs(0).shape(0) == 2);
  CHECK(answer.outputs(0).shape(1) == 2);
  CHECK_FALSE(answer.outputs(0).has_contents());
  REQUIRE(answer.raw_output_contents_size() == 1);
  // "score:index:label", best first, each after its 4-byte length.
  auto& raw = answer.raw_output_contents(0);
  uint32_t n = 0;
  std::memcpy(&n, raw.data(), 4);
  CHECK(raw.substr(4, n) == "0.750000:3:class 3");
}

TEST_CASE("typed FP32 pixels are read with their deadline and answered "
          "typed",
          "[unit][oip][grpc]") {
  auto read = read_grpc_infer_request(typed_pixels(2, 0.5f), grpc_test_model(),
                                      small_limits());
  REQUIRE(read);
  CHECK(read->pixels.size() == 2 * 784);
  CHECK(read->timeout_us == 250000);
  CHECK_FALSE(read->binary_output);
  inference::ModelInferResponse answer;
  write_grpc_infer_answer(*read, grpc_test_model(), two_rows(), answer);
  CHECK(answer.outputs(0).datatype() == "FP32");
  CHECK(answer.outputs(0).contents().fp32_contents_size() == 20);
  CHECK(answer.outputs(0).contents().fp32_contents(3) == 0.75f);
  CHECK(answer.raw_output_contents_size() == 0);
  // A value that is not finite is refused, naming the rule.
  auto bad = typed_pixels(1, std::numeric_limits<float>::infinity());
  auto refused = read_grpc_infer_request(bad, grpc_test_model(), small_limits());
  REQUIRE_FALSE(refused);
  CHECK_THAT(describe(refused.error()), Catch::Contains("finite"));
}

TEST_CASE("the gRPC message limit is a batch of the largest images, capped "
          "by the coordinator's room, within an int",
          "[unit][oip][grpc]") {
  oip_limits limits;
  limits.max_batch = 4;
  limits.max_image_bytes = 1000;
  CHECK(oip_grpc_message_limit(limits, uint64_t{1} << 30)
        == 4 * 1004 + (1 << 20));
  CHECK(oip_grpc_message_limit(limits, 2000) == 2000 + (1 << 20));
  limits.max_batch = 1024;
  limits.max_image_bytes = uint64_t{1} << 30;
  CHECK(oip_grpc_message_limit(limits, uint64_t{1} << 40) == INT_MAX);
}

TEST_CASE("hostile gRPC inference messages are read or refused, never more",
          "[unit][oip][grpc]") {
  std::vector<std::string> seeds;
  seeds.push_back(raw_images({"abc", "defg"}).SerializeAsString());
  seeds.push_back(typed_pixels(1, 0.25f).SerializeAsString());
  auto typed_bytes = raw_images({});
  typed_bytes.clear_raw_input_contents();
  typed_bytes.mutable_inputs(0)->set_shape(0, 2);
  typed_bytes.mutable_inputs(0)->mutable_contents()->add_bytes_contents("xy");
  typed_bytes.mutable_inputs(0)->mutable_contents()->add_bytes_contents("z");
  seeds.push_back(typed_bytes.SerializeAsString());
  std::mt19937 rng{20261204};
  size_t parsed = 0, read = 0;
  auto try_bytes = [&](const std::string& bytes) {
    inference::ModelInferRequest request;
    if (!request.ParseFromString(bytes))
      return;
    ++parsed;
    auto result = read_grpc_infer_request(request, grpc_test_model(), small_limits());
    if (result) {
      ++read;
      CHECK(result->batch >= 1);
      CHECK(result->batch <= 8);
      for (auto& image : result->images)
        CHECK(image.size() <= 1024);
    } else {
      CHECK(result.error().code()
            == static_cast<uint8_t>(errc::invalid_request));
    }
  };
  for (auto& seed : seeds) {
    for (size_t cut = 0; cut <= seed.size(); ++cut)
      try_bytes(seed.substr(0, cut));
    for (int round = 0; round < 3000; ++round) {
      auto mutated = seed;
      auto changes = 1 + rng() % 4;
      for (size_t c = 0; c < changes; ++c)
        mutated[rng() % mutated.size()] = static_cast<char>(rng());
      try_bytes(mutated);
    }
  }
  // Mutations reach both the reader's refusals and its acceptance.
  CHECK(parsed > 1000);
  CHECK(read > 3);
  CHECK(read < parsed);
}
