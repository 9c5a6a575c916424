// node_metrics: one node's Prometheus registry, its health, and the text a
// scrape of /metrics returns.
//
// Guarantees: metrics are prometheus-cpp's (counters and gauges are atomics,
// a histogram takes its own short lock per observation), so actors update
// them without locking each other; families are registered once, when a
// node starts; serialisation (the Prometheus text format) happens on the
// scraping thread only. The info gauge fovea_build_info carries the
// versions as labels, value 1.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "metrics/node_health.hpp"

namespace fovea {

class node_metrics {
public:
  /// `role` is "coordinator" or "worker"; `versions` become the info
  /// gauge's labels (version, caf, libtorch, opencv, openssl).
  node_metrics(const std::string& node, const std::string& role,
               const std::map<std::string, std::string>& versions);

  prometheus::Registry& registry() noexcept { return *registry_; }
  node_health& health() noexcept { return health_; }
  const node_health& health() const noexcept { return health_; }

  /// Every metric in the Prometheus text exposition format (0.0.4).
  std::string scrape() const;

private:
  std::shared_ptr<prometheus::Registry> registry_;
  node_health health_;
};

} // namespace fovea
