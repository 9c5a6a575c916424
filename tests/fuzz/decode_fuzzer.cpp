// Fuzz target for the decode path: whatever bytes a client sends, a worker
// must answer with a tensor or a reason, never crash, hang or allocate
// what a header claims. Built two ways:
//  - with clang's libFuzzer (scripts/fuzz): coverage-guided, for long runs;
//  - into the Catch2 suite (decode_fuzz.test.cpp), which replays the seed
//    corpus and mutations of it under the sanitizer build.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "vision/image_header.hpp"
#include "vision/plain_png.hpp"
#include "vision/preprocess.hpp"

namespace {

fovea::model_manifest manifest(int size, int channels) {
  fovea::model_manifest m;
  m.name = "fuzz";
  m.version = "1";
  m.width = size;
  m.height = size;
  m.channels = channels;
  m.mean.assign(channels, 0.5f);
  m.std.assign(channels, 0.25f);
  return m;
}

// A limit well below the fuzzer's memory budget: the header check must keep
// huge claims from reaching the decoder.
constexpr fovea::decode_limits limits{1u << 22};

void decode(std::span<const uint8_t> bytes, const fovea::model_manifest& m) {
  std::vector<float> out(m.input_size());
  if (fovea::preprocess(bytes, m, out, limits))
    return;
  // (v / 255 - 0.5) / 0.25 lies in [-2, 2] for every 8-bit value.
  for (float v : out)
    if (!std::isfinite(v) || v < -2.001f || v > 2.001f)
      std::abort();
}

// Differential: whatever the plain PNG path decodes, OpenCV must decode to
// the same pixels (the path promises exactly that).
void compare_plain_png(std::span<const uint8_t> bytes, int channels) {
  cv::Mat fast;
  if (!fovea::decode_plain_png(bytes, channels, fast))
    return;
  cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
              const_cast<uint8_t*>(bytes.data()));
  auto slow = cv::imdecode(raw, channels == 1 ? cv::IMREAD_GRAYSCALE
                                              : cv::IMREAD_COLOR);
  if (slow.empty() || slow.size() != fast.size() || slow.type() != fast.type()
      || cv::norm(slow, fast, cv::NORM_INF) != 0)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes{data, size};
  auto header = fovea::read_image_header(bytes);
  if (header.problem.empty() && (header.width == 0 || header.height == 0))
    std::abort(); // a whole image has a size
  static const auto gray = manifest(28, 1);
  static const auto rgb = manifest(32, 3);
  decode(bytes, gray);
  decode(bytes, rgb);
  if (header.problem.empty() && header.pixels() <= limits.max_pixels) {
    compare_plain_png(bytes, 1);
    compare_plain_png(bytes, 3);
  }
  return 0;
}
