#include "tests/support/http_get.hpp"

#include <httplib.h>
#include <sstream>

namespace fovea::test {

namespace {

http_reply reply_of(const httplib::Result& result) {
  http_reply out;
  if (!result) {
    out.error = httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  return out;
}

} // namespace

http_reply http_get(const std::string& host, uint16_t port,
                    const std::string& path) {
  httplib::Client client{host, port};
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  return reply_of(client.Get(path.c_str()));
}

std::optional<uint16_t> metrics_port(const std::string& line) {
  auto scheme = line.find("://");
  if (scheme == std::string::npos)
    return std::nullopt;
  auto colon = line.find(':', scheme + 3);
  auto slash = line.find('/', colon);
  if (colon == std::string::npos || slash == std::string::npos)
    return std::nullopt;
  return static_cast<uint16_t>(
    std::stoi(line.substr(colon + 1, slash - colon - 1)));
}

std::optional<double> metric_sum(const std::string& text,
                                 const std::string& name,
                                 const std::string& having) {
  std::istringstream in{text};
  std::optional<double> sum;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size())
      continue;
    auto next = line[name.size()];
    if (next != '{' && next != ' ')
      continue; // another metric whose name starts the same
    auto labels_end = next == '{' ? line.find('}') : name.size();
    auto labels = line.substr(name.size(), labels_end - name.size() + 1);
    if (!having.empty() && labels.find(having) == std::string::npos)
      continue;
    sum = sum.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

} // namespace fovea::test
