// What the Open Inference Protocol's integration tests (REST and gRPC)
// share about a cluster: where its coordinator serves, the test images
// they classify, and its /metrics read until a value shows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "tests/support/process.hpp"

namespace fovea::test {

/// The port of the coordinator's REST endpoints (REQUIREs its line).
uint16_t oip_port_of(child_process& coordinator);
/// The port of the coordinator's gRPC endpoints (REQUIREs its line).
uint16_t grpc_port_of(child_process& coordinator);
/// The port of a node's /metrics (REQUIREs its line).
uint16_t metrics_port_of(child_process& node);

/// The first `count` Fashion-MNIST test images, imported by `fovea
/// dataset` into DIR/some, in name order.
std::filesystem::path first_test_images(const std::filesystem::path& dir,
                                        size_t count);

/// The labels a job on the cluster at `address` gives every image of
/// `images`, by file name (REQUIREs that the job ran).
std::map<std::string, int> job_labels(const std::string& address,
                                      const std::filesystem::path& images,
                                      const std::filesystem::path& dir);

/// DIR/NAME holding pattern_png(`seed`); returns its path.
std::filesystem::path pattern_png_file(const std::filesystem::path& dir,
                                       const std::string& name, int seed);

/// The sum of `name`'s samples (with `having` in their labels) scraped now.
std::optional<double> scraped_metric(uint16_t port, const std::string& name,
                                     const std::string& having = {});

/// True once the metric says `value` (a coordinator samples its gauges
/// every 250 ms); asked at most 200 times, 25 ms apart: /metrics gives no
/// event to wait on.
bool metric_reaches(uint16_t port, const std::string& name, double value,
                    const std::string& having = {});

} // namespace fovea::test
