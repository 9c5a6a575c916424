// Online inference over the Open Inference Protocol's REST endpoints, on a
// real cluster, called with curl: the same labels as a job for the same
// images (encoded, base64 JSON and preprocessed FP32), the spec's metadata
// and health calls, each malformed request's error with the coordinator
// still up, and a request past its deadline or past a full queue refused.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/oip_client.hpp"
#include "tests/support/oip_cluster.hpp"
#include "tests/support/process.hpp"
#include "tests/support/socket_peer.hpp"
#include "vision/manifest.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::string infer_path = "/v2/models/fashion-mnist/infer";

std::string base64(const std::vector<uint8_t>& bytes) {
  static const char* digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6)
      out += digits[(v >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = bytes[i] << 16;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += digits[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// A keep-alive health check on `peer`: true if it was answered 200.
bool live_on(test::socket_peer& peer) {
  std::string ask = "GET /v2/health/live HTTP/1.1\r\nHost: fovea\r\n\r\n";
  if (!peer.send({ask.begin(), ask.end()}))
    return false;
  // The whole answer, so that the next one on this connection starts clean.
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos) {
    auto byte = peer.read(1, 10s);
    if (byte.empty())
      return false;
    head += static_cast<char>(byte[0]);
  }
  auto length_at = head.find("Content-Length: ");
  if (length_at == std::string::npos)
    length_at = head.find("content-length: ");
  auto length = length_at == std::string::npos
                  ? 0
                  : std::stoul(head.substr(length_at + 16));
  if (length > 0 && peer.read(length, 10s).size() != length)
    return false;
  return head.rfind("HTTP/1.1 200", 0) == 0;
}

std::vector<std::string> header_of(const std::string& json_length) {
  return {"Inference-Header-Content-Length: " + json_length,
          "Content-Type: application/octet-stream"};
}

} // namespace

TEST_CASE("curl's inference requests give the labels a job gives the same "
          "1,000 images",
          "[integration][oip]") {
  auto dir = test::fresh_dir("oip-labels");
  auto images = test::first_test_images(dir, 1000);
  test::local_cluster cluster{2, {"--fovea.oip-http=127.0.0.1:0"},
                              {"--fovea.http=127.0.0.1:0"}};
  auto port = test::oip_port_of(*cluster.coordinator);

  auto job_labels = test::job_labels(cluster.address, images, dir);
  REQUIRE(job_labels.size() == 1000);

  // The spec's health and metadata calls.
  auto live = test::curl(port, "GET", "/v2/health/live");
  CHECK(live.status == 200);
  CHECK(json::parse(live.body) == json{{"live", true}});
  auto ready = test::curl(port, "GET", "/v2/health/ready");
  CHECK(ready.status == 200);
  CHECK(json::parse(ready.body) == json{{"ready", true}});
  auto server = json::parse(test::curl(port, "GET", "/v2").body);
  CHECK(server["name"] == "fovea");
  CHECK(server["extensions"]
        == json{"binary_tensor_data", "classification"});
  auto metadata = test::curl(port, "GET", "/v2/models/fashion-mnist");
  REQUIRE(metadata.status == 200);
  auto model = json::parse(metadata.body);
  CHECK(model["versions"] == json{"1"});
  CHECK(model["inputs"][1]["shape"] == json{-1, 1, 28, 28});
  CHECK(model["outputs"][0]["shape"] == json{-1, 10});
  auto model_ready
    = test::curl(port, "GET", "/v2/models/fashion-mnist/versions/1/ready");
  CHECK(model_ready.status == 200);
  CHECK(json::parse(model_ready.body)["ready"] == true);

  // Every image, 10 to a request, as binary tensor data, classified.
  std::vector<std::string> names;
  for (auto& [name, label] : job_labels)
    names.push_back(name);
  size_t agree = 0;
  for (size_t first = 0; first < names.size(); first += 10) {
    std::vector<std::vector<uint8_t>> batch;
    for (size_t i = first; i < first + 10; ++i)
      batch.push_back(test::read_file(images / names[i]));
    auto [body, length] = test::binary_infer_body(batch, 1);
    auto answer = test::curl(port, "POST", infer_path, body,
                             header_of(length), dir);
    INFO(answer.body);
    REQUIRE(answer.status == 200);
    auto labels = test::labels_of_answer(answer.body);
    REQUIRE(labels.size() == 10);
    for (size_t i = 0; i < 10; ++i)
      agree += labels[i] == job_labels[names[first + i]];
  }
  CHECK(agree == 1000);

  // The first 20 as base64 JSON, answered with probabilities; and as
  // preprocessed FP32 pixels, the way the manifest says.
  auto manifest = load_manifest(test::shipped_model());
  REQUIRE(manifest);
  json strings = json::array();
  std::vector<float> pixels(20 * manifest->input_size());
  for (size_t i = 0; i < 20; ++i) {
    auto bytes = test::read_file(images / names[i]);
    strings.push_back(base64(bytes));
    std::span<float> slot{pixels.data() + i * manifest->input_size(),
                          manifest->input_size()};
    REQUIRE_FALSE(preprocess(bytes, *manifest, slot));
  }
  json encoded{{"id", "b64"},
               {"inputs",
                {{{"name", "image"},
                  {"datatype", "BYTES"},
                  {"shape", {20}},
                  {"data", strings}}}}};
  json preprocessed{{"inputs",
                     {{{"name", "input"},
                       {"datatype", "FP32"},
                       {"shape", {20, 1, 28, 28}},
                       {"data", pixels}}}}};
  for (auto& request : {encoded, preprocessed}) {
    auto answer = test::curl(port, "POST", infer_path, request.dump(),
                             {"Content-Type: application/json"}, dir);
    INFO(answer.body.substr(0, 400));
    REQUIRE(answer.status == 200);
    auto parsed = json::parse(answer.body);
    CHECK(parsed["outputs"][0]["datatype"] == "FP32");
    auto labels = test::labels_of_answer(answer.body);
    REQUIRE(labels.size() == 20);
    for (size_t i = 0; i < 20; ++i)
      CHECK(labels[i] == job_labels[names[i]]);
    auto sum = 0.0;
    for (auto& p : parsed["outputs"][0]["data"])
      sum += p.get<double>();
    CHECK(sum == Approx(20.0).epsilon(1e-3)); // each image's sum to 1
  }
  CHECK(encoded["id"] == "b64");

  // The workers counted the job's batches and the 102 requests' apart
  // (curl sent one request at a time: each took one batch at least).
  double job_batches = 0, online_batches = 0;
  for (auto& worker : cluster.workers) {
    auto metrics = test::metrics_port_of(*worker);
    job_batches += test::scraped_metric(metrics,
                                        "fovea_worker_task_batches_total",
                                        "kind=\"job\"")
                     .value_or(0);
    online_batches += test::scraped_metric(metrics,
                                           "fovea_worker_task_batches_total",
                                           "kind=\"online\"")
                        .value_or(0);
  }
  CHECK(job_batches >= 1);
  CHECK(online_batches >= 102);
  cluster.stop();
}

TEST_CASE("every malformed inference request gets its error, and the "
          "coordinator stays up",
          "[integration][oip]") {
  auto dir = test::fresh_dir("oip-malformed");
  test::local_cluster cluster{1, {"--fovea.oip-http=127.0.0.1:0",
                                  "--fovea.oip-max-batch=4",
                                  "--fovea.max-image-bytes=100000"}};
  auto port = test::oip_port_of(*cluster.coordinator);
  auto png = test::pattern_png(3);
  auto [good, good_length] = test::binary_infer_body({png}, 1);
  std::string not_png(500, 'x');
  auto [junk, junk_length] = test::binary_infer_body(
    {png, std::vector<uint8_t>(not_png.begin(), not_png.end())}, 1);
  auto [five, five_length] = test::binary_infer_body({png, png, png, png, png},
                                                     1);
  struct bad_request {
    std::string name;
    std::string method;
    std::string path;
    std::string body;
    std::vector<std::string> headers;
    int status;
    std::string says;
  };
  std::vector<bad_request> cases{
    {"malformed JSON", "POST", infer_path, "{\"inputs\": [", {}, 400, "JSON"},
    {"no inputs", "POST", infer_path, "{}", {}, 400, "inputs"},
    {"a wrong datatype", "POST", infer_path,
     R"({"inputs":[{"name":"input","datatype":"INT8","shape":[1,1,28,28],"data":[0]}]})",
     {}, 400, "datatype"},
    {"a wrong shape", "POST", infer_path,
     R"({"inputs":[{"name":"input","datatype":"FP32","shape":[1,3,28,28],"data":[0]}]})",
     {}, 400, "shape"},
    {"a JSON length past the body", "POST", infer_path, good,
     header_of(std::to_string(good.size() + 1)), 400,
     "Inference-Header-Content-Length"},
    {"a batch past oip-max-batch", "POST", infer_path, five,
     header_of(five_length), 400, "at most 4"},
    {"a body past its bound", "POST", infer_path,
     std::string(4 * (100000 / 3 * 4 + 16) + (1u << 20) + 1, ' '), {}, 413,
     ""},
    {"an unknown model", "POST", "/v2/models/nope/infer", good,
     header_of(good_length), 404, "nope"},
    {"an unknown version", "POST", "/v2/models/fashion-mnist/versions/9/infer",
     good, header_of(good_length), 404, "fashion-mnist@9"},
    {"GET of infer", "GET", infer_path, {}, {}, 405, "POST"},
    {"a path that is no model's", "GET", "/v2/models/a/b/c/d", {}, {}, 404,
     ""},
    {"an image that is not one", "POST", infer_path, junk,
     header_of(junk_length), 400, "batch element 1"},
  };
  for (auto& c : cases) {
    INFO(c.name);
    auto reply = test::curl(port, c.method, c.path, c.body, c.headers, dir);
    INFO(reply.body);
    CHECK(reply.status == c.status);
    if (reply.status != 413) { // Beast's own answer, before any route
      auto error = json::parse(reply.body, nullptr, false);
      REQUIRE(error.is_object());
      CHECK_THAT(error["error"].get<std::string>(),
                 Catch::Contains(c.says));
    }
  }
  // Still up, and still right.
  auto answer = test::curl(port, "POST", infer_path, good,
                           header_of(good_length), dir);
  CHECK(answer.status == 200);
  CHECK(test::labels_of_answer(answer.body).size() == 1);
  CHECK(cluster.coordinator->running());
  cluster.stop();
}

namespace {

// curl's inference request, left running: its status code comes last in
// its output.
std::unique_ptr<test::child_process>
curl_in_background(uint16_t port, const fs::path& body_file,
                   const std::string& length, int max_seconds) {
  return std::make_unique<test::child_process>(
    std::vector<std::string>{
      "-s", "-o", "/dev/null", "-w", "status=%{http_code}\n", "--max-time",
      std::to_string(max_seconds), "-X", "POST", "-H",
      "Inference-Header-Content-Length: " + length, "--data-binary",
      "@" + body_file.string(),
      "http://127.0.0.1:" + std::to_string(port) + infer_path},
    test::other_program{"/usr/bin/curl", {}});
}

} // namespace

TEST_CASE("an inference request is answered 504 at its deadline or its "
          "own, one past a full queue 503 at once, and one whose client left "
          "is dropped",
          "[integration][oip]") {
  auto dir = test::fresh_dir("oip-deadline");
  test::local_cluster cluster{1, {"--fovea.oip-http=127.0.0.1:0",
                                  "--fovea.http=127.0.0.1:0",
                                  "--fovea.oip-max-requests=1",
                                  "--fovea.oip-timeout=2s"}};
  auto port = test::oip_port_of(*cluster.coordinator);
  auto metrics = test::metrics_port_of(*cluster.coordinator);
  auto [body, length] = test::binary_infer_body({test::pattern_png(5)}, 1);
  auto body_file = dir / "one.bin";
  std::ofstream{body_file, std::ios::binary} << body;

  // The only worker stops answering: the request waits on it.
  cluster.workers[0]->signal(SIGSTOP);
  auto waiting = curl_in_background(port, body_file, length, 30);
  REQUIRE(test::metric_reaches(metrics, "fovea_inference_requests_held", 1));
  auto refused = test::curl(port, "POST", infer_path, body, header_of(length),
                            dir);
  CHECK(refused.status == 503);
  CHECK_THAT(refused.body, Catch::Contains("try again later"));
  REQUIRE(waiting->wait_for_line("status=", 30s) == "status=504");
  CHECK(test::metric_reaches(metrics, "fovea_inference_requests_held", 0));
  // A request's own, shorter deadline (300 ms) is its deadline.
  auto [soon, soon_length]
    = test::binary_infer_body({test::pattern_png(5)}, 1, 300000);
  auto hurried = test::curl(port, "POST", infer_path, soon,
                            header_of(soon_length), dir);
  CHECK(hurried.status == 504);
  CHECK_THAT(hurried.body, Catch::Contains("deadline of 300 ms"));

  // A client that gives up before the deadline: its request goes with it.
  auto leaving = curl_in_background(port, body_file, length, 1);
  REQUIRE(leaving->wait_for_line("status=", 30s) == "status=000");
  CHECK(test::metric_reaches(metrics, "fovea_inference_requests_total", 1,
                             "outcome=\"abandoned\""));
  CHECK(test::metric_reaches(metrics, "fovea_inference_requests_held", 0));
  CHECK(test::scraped_metric(metrics, "fovea_inference_requests_total",
                             "outcome=\"deadline\"")
        == 2.0);
  CHECK(test::scraped_metric(metrics, "fovea_inference_requests_total",
                             "outcome=\"busy\"")
        == 1.0);

  // The worker back: answered again.
  cluster.workers[0]->signal(SIGCONT);
  auto answer = test::curl(port, "POST", infer_path, body, header_of(length),
                           dir);
  CHECK(answer.status == 200);
  CHECK(test::scraped_metric(metrics, "fovea_inference_requests_total",
                             "outcome=\"ok\"")
        == 1.0);
  cluster.stop();
}

TEST_CASE("beyond loopback inference speaks HTTPS to client and operator "
          "certificates only",
          "[integration][oip]") {
  auto dir = test::fresh_dir("oip-tls");
  // In clear text beyond loopback: a configuration error.
  auto refused = test::run_fovea({"node", "--config", "config/coordinator.ini",
                                  "--fovea.port=0",
                                  "--fovea.oip-http=0.0.0.0:0"},
                                 30s);
  INFO(refused.second);
  CHECK(refused.first == 2);
  CHECK_THAT(refused.second, Catch::Contains("fovea.oip-http = 0.0.0.0:0"));

  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1"}, "worker");
  test::fovea_certs(pki, {"alice"}, "client");
  test::fovea_certs(pki, {"ops"}, "operator");
  test::fovea_certs(pki, {"prometheus"}, "monitor");
  // All addresses, so beyond loopback; the test reaches it on 127.0.0.1.
  test::local_cluster cluster{1, {"--fovea.oip-http=0.0.0.0:0"}, {}, pki};
  auto line = test::printed_line(*cluster.coordinator,
                                 "Open Inference Protocol", 30s);
  REQUIRE(line);
  CHECK_THAT(*line, Catch::Contains("https://"));
  auto port = std::to_string(*test::oip_port(*line));
  auto [body, length] = test::binary_infer_body({test::pattern_png(2)}, 1);
  auto body_file = dir / "one.bin";
  std::ofstream{body_file, std::ios::binary} << body;

  // curl checks the coordinator's certificate against the cluster's CA by
  // its name (nodes are named in their certificates, not by address).
  auto call = [&](const std::string& who, const std::string& method,
                  const std::string& path, const std::string& scheme) {
    auto credentials = who.empty() ? std::string{}
                                   : " --cert " + pki + "/" + who
                                       + ".pem --key " + pki + "/" + who
                                       + ".key";
    auto data = method == "POST"
                  ? " -H 'Inference-Header-Content-Length: " + length
                      + "' --data-binary @" + body_file.string()
                  : std::string{};
    return test::run_command(
      "curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert " + pki
        + "/ca.pem --resolve coord:" + port + ":127.0.0.1" + credentials
        + " -X " + method + data + " " + scheme + "://coord:" + port + path,
      30);
  };
  CHECK(call("alice", "POST", infer_path, "https").second == "200");
  CHECK(call("ops", "POST", infer_path, "https").second == "200");
  CHECK(call("prometheus", "GET", "/v2/health/ready", "https").second
        == "200");
  CHECK(call("prometheus", "POST", infer_path, "https").second == "403");
  CHECK(call("w1", "POST", infer_path, "https").second == "403");
  CHECK(call("w1", "GET", "/v2/models/fashion-mnist", "https").second
        == "403");
  // No certificate: no TLS session, no answer; no TLS: none either.
  CHECK(call("", "GET", "/v2/health/live", "https").second == "000");
  CHECK(call("", "GET", "/v2/health/live", "http").second != "200");
  cluster.stop();
}

TEST_CASE("the inference front holds oip-max-connections-per-address "
          "connections from one address and oip-max-connections in all",
          "[integration][oip]") {
  test::local_cluster cluster{0, {"--fovea.oip-http=127.0.0.1:0",
                                  "--fovea.oip-max-connections=4",
                                  "--fovea.oip-max-connections-per-address=3"}};
  auto port = test::oip_port_of(*cluster.coordinator);
  // Each connection is answered before the next opens: the front has
  // counted it by then.
  std::vector<std::unique_ptr<test::socket_peer>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<test::socket_peer>("127.0.0.1", port));
    REQUIRE(held.back()->connected());
    CHECK(live_on(*held.back()));
  }
  test::socket_peer fourth{"127.0.0.1", port};
  CHECK(fourth.closed_within(10s));
  // Another host still gets in, up to the front's total.
  held.push_back(std::make_unique<test::socket_peer>(
    "127.0.0.1", port, nullptr, false, "127.0.0.7"));
  REQUIRE(held.back()->connected());
  CHECK(live_on(*held.back()));
  test::socket_peer fifth{"127.0.0.1", port, nullptr, false, "127.0.0.8"};
  CHECK(fifth.closed_within(10s));
  // The ones it holds are still served.
  CHECK(live_on(*held.front()));
  cluster.stop();
}
