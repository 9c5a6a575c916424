#include "tests/support/oip_cluster.hpp"

#include <algorithm>
#include <fstream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/oip_client.hpp"
#include "tests/support/oip_grpc_client.hpp"

namespace fovea::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

uint16_t oip_port_of(child_process& coordinator) {
  auto line = printed_line(coordinator, "Protocol) on http", 30s);
  INFO(coordinator.output());
  REQUIRE(line);
  auto port = oip_port(*line);
  REQUIRE(port);
  return *port;
}

uint16_t grpc_port_of(child_process& coordinator) {
  auto line = printed_line(coordinator, "Protocol) on grpc", 30s);
  INFO(coordinator.output());
  REQUIRE(line);
  auto port = grpc_port(*line);
  REQUIRE(port);
  return *port;
}

uint16_t metrics_port_of(child_process& node) {
  auto line = printed_line(node, "metrics on", 30s);
  REQUIRE(line);
  auto port = metrics_port(*line);
  REQUIRE(port);
  return *port;
}

fs::path first_test_images(const fs::path& dir, size_t count) {
  auto all = dir / "all";
  auto imported = run_fovea(
    {"dataset", "fashion-mnist", "--split", "test", "--out", all.string()});
  INFO(imported.second);
  REQUIRE(imported.first == 0);
  std::vector<fs::path> files;
  for (auto& entry : fs::directory_iterator{all})
    if (entry.path().extension() == ".png")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= count);
  auto some = dir / "some";
  fs::create_directories(some);
  for (size_t i = 0; i < count; ++i)
    fs::copy_file(files[i], some / files[i].filename());
  return some;
}

std::map<std::string, int> job_labels(const std::string& address,
                                      const fs::path& images,
                                      const fs::path& dir) {
  auto out = (dir / "job.csv").string();
  auto submitted = run_fovea(submit_args(address, images, out), 300s);
  INFO(submitted.second);
  REQUIRE(submitted.first == 0);
  std::map<std::string, int> labels;
  for (auto& row : read_results(out).rows)
    labels[fs::path{row.path}.filename().string()] = row.label;
  return labels;
}

fs::path pattern_png_file(const fs::path& dir, const std::string& name,
                          int seed) {
  auto png = pattern_png(seed);
  auto path = dir / name;
  std::ofstream{path, std::ios::binary}.write(
    reinterpret_cast<const char*>(png.data()),
    static_cast<std::streamsize>(png.size()));
  return path;
}

std::optional<double> scraped_metric(uint16_t port, const std::string& name,
                                     const std::string& having) {
  auto scraped = http_get("127.0.0.1", port, "/metrics");
  return metric_sum(scraped.body, name, having);
}

bool metric_reaches(uint16_t port, const std::string& name, double value,
                    const std::string& having) {
  for (int i = 0; i < 200; ++i) {
    if (scraped_metric(port, name, having) == value)
      return true;
    std::this_thread::sleep_for(25ms);
  }
  return false;
}

} // namespace fovea::test
