// Fuzz target for the inference protocol's REST reader (edge/oip_rest.hpp):
// whatever a client sends, reading never crashes, never holds more than
// the limits allow, and a request it accepts gets an answer that is JSON.
//
// An input is [flags byte][body]: bit 0 set, the next two bytes
// (big-endian) are the Inference-Header-Content-Length a client sent.
// Built with libFuzzer by scripts/fuzz, and into the Catch2 suite
// (tests/edge/oip_rest_fuzz.test.cpp), which replays the seeds in
// tests/fuzz/oip_corpus and mutations of them.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/oip_rest.hpp"

namespace {

fovea::oip_model_info fuzz_model() {
  fovea::oip_model_info m;
  m.name = "fashion-mnist";
  m.version = "1";
  m.width = 28;
  m.height = 28;
  m.channels = 1;
  for (int i = 0; i < 10; ++i)
    m.labels.push_back("class " + std::to_string(i));
  return m;
}

void must(bool holds) {
  if (!holds)
    std::abort();
}

} // namespace

extern "C" int fovea_oip_rest_fuzz_one(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  std::string length;
  size_t at = 1;
  if ((data[0] & 1) && size >= 3) {
    length = std::to_string((size_t{data[1]} << 8) | data[2]);
    at = 3;
  }
  std::string body(reinterpret_cast<const char*>(data) + at, size - at);
  static const auto info = fuzz_model();
  fovea::oip_limits limits;
  limits.max_batch = 16;
  limits.max_image_bytes = 4096;
  auto read = fovea::read_infer_request(body, length, info, limits);
  if (!read)
    return 0;
  must(read->batch >= 1 && read->batch <= limits.max_batch);
  if (read->images.empty()) {
    must(read->pixels.size() == read->batch * 28 * 28);
  } else {
    must(read->images.size() == read->batch);
    for (auto& image : read->images)
      must(image.size() <= limits.max_image_bytes);
  }
  must(read->classification <= info.labels.size());
  std::vector<std::vector<float>> probabilities(
      read->batch, std::vector<float>(info.labels.size(), 0.1f));
  auto answer = fovea::write_infer_answer(*read, info, probabilities);
  auto json_part = answer.body;
  if (!answer.headers.empty())
    json_part = answer.body.substr(0, std::stoul(answer.headers[0].second));
  must(!nlohmann::json::parse(json_part, nullptr, false).is_discarded());
  return 0;
}

#ifdef FOVEA_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fovea_oip_rest_fuzz_one(data, size);
}
#endif
