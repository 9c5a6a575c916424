#include "tests/support/oip_client.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace fovea::test {

using json = nlohmann::json;

namespace {

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return out + "'";
}

std::atomic<int> next_file{0};

} // namespace

curl_reply curl(uint16_t port, const std::string& method,
                const std::string& path, const std::string& body,
                const std::vector<std::string>& headers,
                const std::filesystem::path& scratch,
                const std::optional<curl_tls>& tls) {
  auto dir = scratch.empty() ? std::filesystem::temp_directory_path()
                             : scratch;
  auto n = std::to_string(next_file++);
  auto out = dir / ("curl-" + n + ".out");
  std::string command = "curl -s -S --max-time 60 -o " + quoted(out.string())
                        + " -w '%{http_code}' -X " + method;
  for (auto& h : headers)
    command += " -H " + quoted(h);
  if (!body.empty()) {
    auto in = dir / ("curl-" + n + ".in");
    std::ofstream{in, std::ios::binary} << body;
    command += " --data-binary @" + quoted(in.string());
  }
  auto at = "127.0.0.1:" + std::to_string(port);
  if (tls) {
    command += " --cacert " + quoted(tls->pki + "/ca.pem") + " --resolve "
               + quoted(tls->server + ":" + std::to_string(port)
                        + ":127.0.0.1");
    if (!tls->who.empty())
      command += " --cert " + quoted(tls->pki + "/" + tls->who + ".pem")
                 + " --key " + quoted(tls->pki + "/" + tls->who + ".key");
    at = tls->server + ":" + std::to_string(port);
  }
  command += " " + quoted((tls ? "https://" : "http://") + at + path);
  auto [code, said] = run_command(command, 90);
  curl_reply reply;
  if (code != 0 || said.size() != 3) {
    reply.body = said;
    return reply;
  }
  reply.status = std::stoi(said);
  std::ifstream answer{out, std::ios::binary};
  reply.body.assign(std::istreambuf_iterator<char>{answer}, {});
  std::filesystem::remove(out);
  return reply;
}

std::optional<uint16_t> oip_port(const std::string& line) {
  std::smatch m;
  static const std::regex url{R"(on https?://[^ ]*:([0-9]+)/v2)"};
  if (!std::regex_search(line, m, url))
    return std::nullopt;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

std::pair<std::string, std::string>
binary_infer_body(const std::vector<std::vector<uint8_t>>& images,
                  unsigned classes, uint64_t timeout_us) {
  std::string data;
  for (auto& image : images) {
    auto n = static_cast<uint32_t>(image.size());
    data.append(reinterpret_cast<const char*>(&n), 4);
    data.append(image.begin(), image.end());
  }
  json request{{"inputs",
                {{{"name", "image"},
                  {"datatype", "BYTES"},
                  {"shape", {images.size()}},
                  {"parameters", {{"binary_data_size", data.size()}}}}}}};
  if (timeout_us > 0)
    request["parameters"] = {{"timeout", timeout_us}};
  if (classes > 0)
    request["outputs"] = {{{"name", "probabilities"},
                           {"parameters", {{"classification", classes}}}}};
  auto text = request.dump();
  return {text + data, std::to_string(text.size())};
}

std::vector<int> labels_of_answer(const std::string& body) {
  std::vector<int> labels;
  auto answer = json::parse(body, nullptr, false);
  if (!answer.is_object() || !answer.contains("outputs"))
    return labels;
  auto& output = answer["outputs"][0];
  auto& data = output["data"];
  if (output["datatype"] == "BYTES") {
    for (auto& entry : data) {
      auto text = entry.get<std::string>(); // score:index:label
      auto first = text.find(':');
      labels.push_back(std::stoi(text.substr(first + 1)));
    }
    return labels;
  }
  auto classes = output["shape"][1].get<size_t>();
  std::vector<float> values = data.get<std::vector<float>>();
  for (size_t i = 0; i + classes <= values.size(); i += classes)
    labels.push_back(static_cast<int>(
      std::max_element(values.begin() + i, values.begin() + i + classes)
      - values.begin() - i));
  return labels;
}

} // namespace fovea::test
