#include "tests/support/images.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace fovea::test {

std::filesystem::path shipped_model() {
  return std::filesystem::path{FOVEA_SOURCE_DIR} / "models" / "fashion-mnist"
         / "1";
}

std::vector<uint8_t> encode(const std::vector<uint8_t>& pixels, int width,
                            int height, int channels, const std::string& ext) {
  cv::Mat image(height, width, CV_8UC(channels),
                const_cast<uint8_t*>(pixels.data()));
  std::vector<uint8_t> out;
  cv::imencode(ext, image, out);
  return out;
}

std::vector<uint8_t> pattern_png(int seed) {
  std::vector<uint8_t> pixels(28 * 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      pixels[y * 28 + x] = static_cast<uint8_t>((x * 7 + y * 13 + seed * 31)
                                                 % 256);
  return encode(pixels, 28, 28, 1);
}

std::vector<std::string> write_pattern_pngs(const std::filesystem::path& dir,
                                            int count) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "%05d.png", i);
    auto path = (dir / name).string();
    write_file(path, pattern_png(i));
    paths.push_back(path);
  }
  return paths;
}

void write_file(const std::filesystem::path& file,
                const std::vector<uint8_t>& bytes) {
  std::ofstream out{file, std::ios::binary};
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> read_file(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path()
             / ("fovea-test-" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

} // namespace fovea::test
