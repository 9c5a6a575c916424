#include "metrics/node_metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

namespace fovea {

node_metrics::node_metrics(const std::string& node, const std::string& role,
                           const std::map<std::string, std::string>& versions)
  : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Labels labels{versions.begin(), versions.end()};
  labels["node"] = node;
  labels["role"] = role;
  prometheus::BuildGauge()
    .Name("fovea_build_info")
    .Help("fovea's version and the versions of the libraries it was built "
          "with, as labels; always 1")
    .Register(*registry_)
    .Add(labels)
    .Set(1);
}

std::string node_metrics::scrape() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

} // namespace fovea
