// HTTP requests to a node's metrics endpoint, and reading the
// Prometheus text it answers, for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fovea::test {

struct http_reply {
  int status = -1;     ///< -1: no answer (see error)
  std::string body;
  std::string error;
};

/// GET http://host:port/path.
http_reply http_get(const std::string& host, uint16_t port,
                    const std::string& path);

/// The port of a node's "metrics on http(s)://HOST:PORT/metrics" line.
std::optional<uint16_t> metrics_port(const std::string& line);

/// The sum of the samples of metric `name` (exactly, no _bucket etc.)
/// whose labels contain every `label="value"` in `having`; nothing if no
/// such sample exists.
std::optional<double> metric_sum(const std::string& text,
                                 const std::string& name,
                                 const std::string& having = {});

} // namespace fovea::test
