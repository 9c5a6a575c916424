#include "tests/support/oip_grpc_client.hpp"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>

#include "tests/support/process.hpp"

namespace fovea::test {

namespace {

using json = nlohmann::json;

std::string grpc_tools_dir() {
  return source_dir() + "/tests/tools";
}

std::vector<uint8_t> from_base64(const std::string& text) {
  std::vector<uint8_t> out;
  uint32_t bits = 0;
  int have = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    if (v < 0)
      continue;
    bits = bits << 6 | static_cast<uint32_t>(v);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out.push_back(static_cast<uint8_t>(bits >> have));
    }
  }
  return out;
}

int label_of(const std::string& text) { // "score:index:label"
  auto first = text.find(':');
  if (first == std::string::npos)
    return -1;
  return std::atoi(text.c_str() + first + 1);
}

// The client's script file for `calls` (TLS if given) in `scratch`.
std::filesystem::path write_script(uint16_t port,
                                   const std::vector<grpc_call>& calls,
                                   const std::filesystem::path& scratch,
                                   const std::optional<grpc_tls>& tls,
                                   unsigned concurrency,
                                   const json& extra = json::object()) {
  json script;
  script["address"] = "127.0.0.1:" + std::to_string(port);
  script["proto"] = source_dir() + "/edge/open_inference_grpc.proto";
  script["concurrency"] = concurrency;
  if (tls) {
    script["tls"] = {{"ca", tls->ca}, {"server_name", tls->server_name}};
    if (!tls->certificate.empty()) {
      script["tls"]["cert"] = tls->certificate;
      script["tls"]["key"] = tls->key;
    }
  }
  script["calls"] = json::array();
  for (auto& call : calls)
    script["calls"].push_back({{"rpc", call.rpc},
                               {"request", call.request},
                               {"deadline_ms", call.deadline_ms}});
  script.update(extra);
  std::filesystem::create_directories(scratch);
  static int scripts = 0;
  auto path = scratch / ("grpc-script-" + std::to_string(++scripts) + ".json");
  std::ofstream{path} << script.dump();
  return path;
}

} // namespace

std::string grpc_client_missing() {
  struct stat st {};
  if (::stat("/usr/bin/node", &st) != 0)
    return "no /usr/bin/node (scripts/install-deps installs nodejs)";
  auto module = grpc_tools_dir() + "/node_modules/@grpc/grpc-js";
  if (::stat(module.c_str(), &st) != 0)
    return "tests/tools has no @grpc/grpc-js (scripts/install-deps runs npm "
           "ci there)";
  return {};
}

std::vector<grpc_answer> grpc_calls(uint16_t port,
                                    const std::vector<grpc_call>& calls,
                                    const std::filesystem::path& scratch,
                                    const std::optional<grpc_tls>& tls,
                                    unsigned concurrency,
                                    std::chrono::seconds timeout) {
  auto path = write_script(port, calls, scratch, tls, concurrency);
  child_process client{{grpc_tools_dir() + "/oip_grpc_client.js", path.string()},
                       other_program{"/usr/bin/node", {}}};
  client.wait_for_exit(timeout);
  std::vector<grpc_answer> answers(calls.size());
  std::istringstream lines{client.output()};
  std::string line;
  while (std::getline(lines, line)) {
    auto parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("i"))
      continue;
    auto i = parsed["i"].get<size_t>();
    if (i >= answers.size())
      continue;
    answers[i].code = parsed["code"].get<int>();
    answers[i].details = parsed.value("details", "");
    answers[i].response = parsed.value("response", json::object());
  }
  return answers;
}

std::unique_ptr<child_process>
grpc_calls_for(uint16_t port, const std::vector<grpc_call>& calls,
               const std::filesystem::path& scratch, unsigned concurrency,
               std::chrono::seconds seconds) {
  auto path = write_script(
    port, calls, scratch, {}, concurrency,
    {{"repeat_for_ms",
      std::chrono::duration_cast<std::chrono::milliseconds>(seconds)
        .count()}});
  return std::make_unique<child_process>(
    std::vector<std::string>{grpc_tools_dir() + "/oip_grpc_client.js",
                             path.string()},
    other_program{"/usr/bin/node", {}});
}

std::optional<uint16_t> grpc_port(const std::string& line) {
  std::smatch m;
  static const std::regex url{R"(on grpcs?://[^ ]*:([0-9]+))"};
  if (!std::regex_search(line, m, url))
    return std::nullopt;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

std::vector<int> grpc_labels(const json& response) {
  std::vector<int> labels;
  if (!response.contains("outputs") || response["outputs"].empty())
    return labels;
  auto& output = response["outputs"][0];
  if (output.contains("contents")
      && output["contents"].contains("bytes_contents")) {
    for (auto& text : output["contents"]["bytes_contents"]) {
      auto bytes = from_base64(text.get<std::string>());
      labels.push_back(label_of(std::string(bytes.begin(), bytes.end())));
    }
    return labels;
  }
  if (!response.contains("raw_output_contents"))
    return labels;
  auto raw = from_base64(response["raw_output_contents"][0].get<std::string>());
  size_t at = 0;
  while (at + 4 <= raw.size()) {
    uint32_t n = 0;
    std::memcpy(&n, raw.data() + at, 4);
    at += 4;
    if (at + n > raw.size())
      break;
    labels.push_back(label_of(std::string(raw.begin() + at,
                                          raw.begin() + at + n)));
    at += n;
  }
  return labels;
}

} // namespace fovea::test
