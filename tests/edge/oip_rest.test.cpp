// The Open Inference Protocol's REST bodies: requests as the spec and
// Triton's extensions write them are read, every malformed one is refused
// naming its fault, and answers carry what the spec says.
#include <catch2/catch.hpp>

#include <cstring>

#include <nlohmann/json.hpp>

#include "edge/oip_rest.hpp"
#include "messages/errors.hpp"

using namespace fovea;
using json = nlohmann::json;

namespace {

oip_model_info fashion() {
  oip_model_info model;
  model.name = "fashion-mnist";
  model.version = "1";
  model.width = 28;
  model.height = 28;
  model.channels = 1;
  model.labels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return model;
}

oip_limits limits() {
  oip_limits l;
  l.max_batch = 8;
  l.max_image_bytes = 1000;
  return l;
}

// BYTES elements as the binary extension frames them.
std::string framed(const std::vector<std::string>& elements) {
  std::string out;
  for (auto& e : elements) {
    auto n = static_cast<uint32_t>(e.size());
    out.append(reinterpret_cast<const char*>(&n), 4);
    out += e;
  }
  return out;
}

// A request of `images` as binary tensor data: the body, and its JSON
// part's length.
std::pair<std::string, std::string>
binary_request(const std::vector<std::string>& images, json outputs = nullptr) {
  auto data = framed(images);
  json request{{"id", "r-7"},
               {"inputs",
                {{{"name", "image"},
                  {"datatype", "BYTES"},
                  {"shape", {images.size()}},
                  {"parameters", {{"binary_data_size", data.size()}}}}}}};
  if (!outputs.is_null())
    request["outputs"] = outputs;
  auto text = request.dump();
  return {text + data, std::to_string(text.size())};
}

std::string refusal(const std::string& body, const std::string& length = {}) {
  auto read = read_infer_request(body, length, fashion(), limits());
  REQUIRE_FALSE(read);
  return describe(read.error());
}

} // namespace

TEST_CASE("an inference request of encoded images as binary tensor data is "
          "read, with its outputs' parameters", "[unit][oip]") {
  auto [body, length] = binary_request(
      {"\x89PNG-one", "\xff\xd8-two"},
      json::array({{{"name", "probabilities"},
                    {"parameters", {{"classification", 3},
                                    {"binary_data", true}}}}}));
  auto read = read_infer_request(body, length, fashion(), limits());
  REQUIRE(read);
  CHECK(read->id == "r-7");
  CHECK(read->batch == 2);
  REQUIRE(read->images.size() == 2);
  CHECK(std::string(read->images[1].begin(), read->images[1].end())
        == "\xff\xd8-two");
  CHECK(read->classification == 3);
  CHECK(read->binary_output);
  CHECK(read->timeout_us == 0); // none of its own
}

TEST_CASE("a request's own timeout is read in microseconds, as Triton's",
          "[unit][oip]") {
  auto [good, good_length] = binary_request({"abc"});
  auto head = json::parse(good.substr(0, std::stoul(good_length)));
  auto data = good.substr(std::stoul(good_length));
  auto with_timeout = [&](json value) {
    auto request = head;
    request["parameters"]["timeout"] = value;
    auto text = request.dump();
    return read_infer_request(text + data, std::to_string(text.size()),
                              fashion(), limits());
  };
  auto read = with_timeout(250000);
  REQUIRE(read);
  CHECK(read->timeout_us == 250000);
  for (auto bad : {json(0), json(-5), json(1.5), json("1s"),
                   json(3'600'000'001ull)}) {
    auto refused = with_timeout(bad);
    REQUIRE_FALSE(refused);
    CHECK_THAT(describe(refused.error()),
               Catch::Contains("parameters.timeout: microseconds"));
  }
}

TEST_CASE("an FP32 tensor in JSON, flat or nested as the spec allows, is "
          "read as pixels", "[unit][oip]") {
  json flat = json::array();
  for (int i = 0; i < 2 * 784; ++i)
    flat.push_back(i % 7 * 0.25);
  json nested = json::array({json::array(), json::array()});
  for (int i = 0; i < 2 * 784; ++i)
    nested[static_cast<size_t>(i / 784)].push_back(i % 7 * 0.25);
  for (auto& data : {flat, nested}) {
    json request{{"inputs",
                  {{{"name", "input"},
                    {"datatype", "FP32"},
                    {"shape", {2, 1, 28, 28}},
                    {"data", data}}}}};
    auto read = read_infer_request(request.dump(), "", fashion(), limits());
    REQUIRE(read);
    CHECK(read->batch == 2);
    REQUIRE(read->pixels.size() == 2 * 784);
    CHECK(read->pixels[785] == Approx(0.25 * (785 % 7)));
    CHECK_FALSE(read->binary_output);
  }
}

TEST_CASE("a JSON image is base64, strictly", "[unit][oip]") {
  json request{{"inputs",
                {{{"name", "image"},
                  {"datatype", "BYTES"},
                  {"shape", {1}},
                  {"data", {"aGVsbG8="}}}}}};
  auto read = read_infer_request(request.dump(), "", fashion(), limits());
  REQUIRE(read);
  CHECK(std::string(read->images[0].begin(), read->images[0].end()) == "hello");
  request["inputs"][0]["data"] = {"aGVsbG8"};
  CHECK_THAT(refusal(request.dump()), Catch::Contains("base64"));
}

TEST_CASE("every malformed inference request is refused naming its fault",
          "[unit][oip]") {
  auto [good, good_length] = binary_request({"abc"});
  json pixels{{"inputs",
               {{{"name", "input"},
                 {"datatype", "FP32"},
                 {"shape", {1, 1, 28, 28}},
                 {"data", json::array()}}}}};
  std::string deep(40, '[');
  struct bad_case {
    std::string name;
    std::string body;
    std::string length;
    std::string reason;
  };
  auto with = [](json request, const std::string& pointer, json value) {
    request[json::json_pointer(pointer)] = value;
    return request.dump();
  };
  json base = json::parse(good.substr(0, std::stoul(good_length)));
  auto data = good.substr(std::stoul(good_length));
  auto binary = [&](json request) {
    auto text = request.dump();
    return std::pair{text + data, std::to_string(text.size())};
  };
  std::vector<bad_case> cases{
      {"not JSON", "{\"inputs\": [", "", "not a JSON object"},
      {"not an object", "[1, 2]", "", "not a JSON object"},
      {"nested too deep", "{\"a\": " + deep, "", "nests deeper than 16"},
      {"a JSON length past the body", good, "100000", "not a length within"},
      {"a JSON length that is no number", good, "12x", "not a length within"},
      {"no inputs", "{}", "", "one input is required"},
      {"two inputs", with(base, "/inputs/1", base["inputs"][0]), "",
       "one input is required"},
      {"an unknown input", binary(json::parse(with(base, "/inputs/0/name",
                                                   "pixels")))
                               .first,
       binary(json::parse(with(base, "/inputs/0/name", "pixels"))).second,
       "takes \"image\" (BYTES) or \"input\" (FP32)"},
      {"the wrong datatype", with(base, "/inputs/0/datatype", "FP32"),
       "", "\"image\" is BYTES"},
      {"a batch over the limit",
       binary(json::parse(with(base, "/inputs/0/shape", {9}))).first,
       binary(json::parse(with(base, "/inputs/0/shape", {9}))).second,
       "at most 8"},
      {"a negative dimension", with(base, "/inputs/0/shape", {-1}), "",
       "whole number"},
      {"binary data claimed but not sent", base.dump(), "", "fewer follow"},
      {"bytes no input claims", good + "zz", good_length,
       "2 bytes follow the JSON part"},
      {"an element cut off",
       binary(json::parse(with(base, "/inputs/0/shape", {2}))).first,
       binary(json::parse(with(base, "/inputs/0/shape", {2}))).second,
       "element 1 has no 4-byte length"},
      {"an FP32 tensor of the wrong shape",
       with(pixels, "/inputs/0/shape", {1, 3, 28, 28}), "",
       "\"input\" is [N, 1, 28, 28]"},
      {"an FP32 tensor short of its shape", pixels.dump(), "",
       "784 numbers are required"},
      {"an FP32 tensor of strings",
       with(pixels, "/inputs/0/data", {"a"}), "", "784 numbers"},
      {"an unknown output",
       binary(json::parse(with(base, "/outputs",
                               json::array({{{"name", "logits"}}}))))
           .first,
       binary(json::parse(with(base, "/outputs",
                               json::array({{{"name", "logits"}}}))))
           .second,
       "one output, \"probabilities\""},
      {"a classification past the classes",
       binary(json::parse(with(
                  base, "/outputs",
                  json::array({{{"name", "probabilities"},
                                {"parameters", {{"classification", 11}}}}}))))
           .first,
       binary(json::parse(with(
                  base, "/outputs",
                  json::array({{{"name", "probabilities"},
                                {"parameters", {{"classification", 11}}}}}))))
           .second,
       "a count from 1 to 10"},
  };
  // An image over max_image_bytes, as binary data.
  auto [huge, huge_length] = binary_request({std::string(1001, 'x')});
  cases.push_back({"an image over the limit", huge, huge_length,
                   "1001 bytes, over 1000"});
  for (auto& c : cases) {
    SECTION(c.name) {
      CHECK_THAT(refusal(c.body, c.length), Catch::Contains(c.reason));
    }
  }
}

TEST_CASE("an answer carries the probabilities, the classification "
          "extension's strings, or binary tensor data", "[unit][oip]") {
  auto model = fashion();
  std::vector<std::vector<float>> probabilities{
      {0.01f, 0.02f, 0.03f, 0.6f, 0.04f, 0.05f, 0.2f, 0.02f, 0.02f, 0.01f}};
  oip_infer_request request;
  request.id = "r-1";
  request.batch = 1;
  auto plain = write_infer_answer(request, model, probabilities);
  CHECK(plain.status == 200);
  CHECK(plain.content_type == "application/json");
  auto body = json::parse(plain.body);
  CHECK(body["model_name"] == "fashion-mnist");
  CHECK(body["model_version"] == "1");
  CHECK(body["id"] == "r-1");
  CHECK(body["outputs"][0]["name"] == "probabilities");
  CHECK(body["outputs"][0]["datatype"] == "FP32");
  CHECK(body["outputs"][0]["shape"] == json({1, 10}));
  CHECK(body["outputs"][0]["data"][3].get<float>() == Approx(0.6));
  request.classification = 2;
  auto classified = json::parse(write_infer_answer(request, model,
                                                   probabilities).body);
  CHECK(classified["outputs"][0]["datatype"] == "BYTES");
  CHECK(classified["outputs"][0]["data"]
        == json({"0.600000:3:Dress", "0.200000:6:Shirt"}));
  request.classification = 0;
  request.binary_output = true;
  auto binary = write_infer_answer(request, model, probabilities);
  REQUIRE(binary.headers.size() == 1);
  CHECK(binary.headers[0].first == "Inference-Header-Content-Length");
  auto json_length = std::stoul(binary.headers[0].second);
  auto head = json::parse(binary.body.substr(0, json_length));
  CHECK(head["outputs"][0]["parameters"]["binary_data_size"] == 40);
  REQUIRE(binary.body.size() == json_length + 40);
  float third = 0;
  std::memcpy(&third, binary.body.data() + json_length + 3 * sizeof(float),
              sizeof third);
  CHECK(third == Approx(0.6));
}

TEST_CASE("a model's path names it, its version and what is asked",
          "[unit][oip]") {
  auto plain = read_model_path("/v2/models/fashion-mnist");
  REQUIRE(plain);
  CHECK(plain->name == "fashion-mnist");
  CHECK(plain->version.empty());
  CHECK(plain->action.empty());
  auto versioned = read_model_path("/v2/models/fashion-mnist/versions/2/infer");
  REQUIRE(versioned);
  CHECK(versioned->version == "2");
  CHECK(versioned->action == "infer");
  CHECK(read_model_path("/v2/models/m/ready")->action == "ready");
  CHECK_FALSE(read_model_path("/v2/models/"));
  CHECK_FALSE(read_model_path("/v2/models/m/versions/2/other"));
  CHECK_FALSE(read_model_path("/v2/models/m/infer/more"));
  CHECK_FALSE(read_model_path("/v1/models/m"));
}

TEST_CASE("a shape that promises more numbers than the body holds costs no "
          "more than the body", "[unit][oip]") {
  auto model = fashion();
  model.width = model.height = 16384;
  model.channels = 4;
  json request{{"inputs",
                {{{"name", "input"},
                  {"datatype", "FP32"},
                  {"shape", {8, 4, 16384, 16384}},
                  {"data", {1, 2, 3}}}}}};
  // 8.6 billion floats promised; reserving them would throw bad_alloc.
  auto read = read_infer_request(request.dump(), "", model, limits());
  REQUIRE_FALSE(read);
  CHECK_THAT(describe(read.error()), Catch::Contains("numbers are required"));
}
