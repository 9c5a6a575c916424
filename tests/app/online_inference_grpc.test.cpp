// Online inference over the Open Inference Protocol's gRPC service, on a
// real cluster, called by Node's @grpc/grpc-js from the official proto:
// the same labels as a job for the same images (raw and typed contents,
// encoded and FP32), the spec's health and metadata calls, each malformed
// request's status with the coordinator still up, deadlines and a full
// queue, and TLS with client certificates, roles and the CRL.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <future>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/oip_cluster.hpp"
#include "tests/support/oip_grpc_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"
#include "vision/manifest.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// gRPC's status codes.
constexpr int ok = 0;
constexpr int invalid_argument = 3;
constexpr int deadline_exceeded = 4;
constexpr int not_found = 5;
constexpr int permission_denied = 7;
constexpr int resource_exhausted = 8;
constexpr int unavailable = 14;

// A ModelInfer request of `files` as one raw BYTES tensor, asking for the
// best class of each.
json raw_images_request(const std::vector<std::string>& files) {
  return {{"model_name", "fashion-mnist"},
          {"inputs",
           {{{"name", "image"},
             {"datatype", "BYTES"},
             {"shape", {files.size()}}}}},
          {"outputs",
           {{{"name", "probabilities"},
             {"parameters", {{"classification", {{"int64_param", 1}}}}}}}},
          {"raw_input_contents", {{{"$length_prefixed", files}}}}};
}

json image_file_request(const fs::path& file) {
  return raw_images_request({file.string()});
}

} // namespace

TEST_CASE("a gRPC client built from the official proto gets the labels a "
          "job gives the same 1,000 images",
          "[integration][oip][grpc]") {
  if (auto missing = test::grpc_client_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("grpc-labels");
  auto images = test::first_test_images(dir, 1000);
  test::local_cluster cluster{2, {"--fovea.oip-grpc=127.0.0.1:0"}};
  auto port = test::grpc_port_of(*cluster.coordinator);

  auto job_labels = test::job_labels(cluster.address, images, dir);
  REQUIRE(job_labels.size() == 1000);
  std::vector<std::string> names;
  for (auto& [name, label] : job_labels)
    names.push_back(name);

  // The spec's health and metadata calls.
  auto meta = test::grpc_calls(
    port,
    {{"ServerLive"},
     {"ServerReady"},
     {"ServerMetadata"},
     {"ModelMetadata", {{"name", "fashion-mnist"}}},
     {"ModelReady", {{"name", "fashion-mnist"}, {"version", "1"}}}},
    dir);
  for (auto& answer : meta) {
    INFO(answer.details);
    CHECK(answer.code == ok);
  }
  CHECK(meta[0].response["live"] == true);
  CHECK(meta[1].response["ready"] == true);
  CHECK(meta[2].response["name"] == "fovea");
  CHECK(meta[2].response["extensions"]
        == json{"binary_tensor_data", "classification"});
  CHECK(meta[3].response["versions"] == json{"1"});
  CHECK(meta[3].response["inputs"][1]["shape"]
        == json{"-1", "1", "28", "28"}); // int64 as strings
  CHECK(meta[3].response["outputs"][0]["shape"] == json{"-1", "10"});
  CHECK(meta[4].response["ready"] == true);

  // Every image, 10 to a call as a raw BYTES tensor, 8 calls in flight.
  std::vector<test::grpc_call> calls;
  for (size_t first = 0; first < names.size(); first += 10) {
    std::vector<std::string> files;
    for (size_t i = first; i < first + 10; ++i)
      files.push_back((images / names[i]).string());
    calls.push_back({"ModelInfer", raw_images_request(files)});
  }
  auto answers = test::grpc_calls(port, calls, dir, {}, 8);
  size_t agree = 0;
  for (size_t c = 0; c < answers.size(); ++c) {
    INFO(answers[c].details);
    REQUIRE(answers[c].code == ok);
    auto labels = test::grpc_labels(answers[c].response);
    REQUIRE(labels.size() == 10);
    for (size_t i = 0; i < 10; ++i)
      agree += labels[i] == job_labels[names[c * 10 + i]];
  }
  CHECK(agree == 1000);

  // The first 20 in typed contents: encoded (bytes_contents, answered with
  // fp32_contents probabilities) and preprocessed (fp32_contents).
  auto manifest = load_manifest(test::shipped_model());
  REQUIRE(manifest);
  json files = json::array();
  std::vector<float> pixels(20 * manifest->input_size());
  for (size_t i = 0; i < 20; ++i) {
    files.push_back({{"$file", (images / names[i]).string()}});
    auto bytes = test::read_file(images / names[i]);
    std::span<float> slot{pixels.data() + i * manifest->input_size(),
                          manifest->input_size()};
    REQUIRE_FALSE(preprocess(bytes, *manifest, slot));
  }
  json encoded{{"model_name", "fashion-mnist"},
               {"id", "typed"},
               {"inputs",
                {{{"name", "image"},
                  {"datatype", "BYTES"},
                  {"shape", {20}},
                  {"contents", {{"bytes_contents", files}}}}}}};
  json preprocessed{{"model_name", "fashion-mnist"},
                    {"model_version", "1"},
                    {"inputs",
                     {{{"name", "input"},
                       {"datatype", "FP32"},
                       {"shape", {20, 1, 28, 28}},
                       {"contents", {{"fp32_contents", pixels}}}}}}};
  auto typed = test::grpc_calls(
    port, {{"ModelInfer", encoded}, {"ModelInfer", preprocessed}}, dir);
  for (auto& answer : typed) {
    INFO(answer.details);
    REQUIRE(answer.code == ok);
    auto& output = answer.response["outputs"][0];
    CHECK(output["datatype"] == "FP32");
    CHECK(output["shape"] == json{"20", "10"});
    auto& p = output["contents"]["fp32_contents"];
    REQUIRE(p.size() == 200);
    auto sum = 0.0;
    for (size_t i = 0; i < 20; ++i) {
      size_t best = 0;
      for (size_t k = 0; k < 10; ++k) {
        sum += p[i * 10 + k].get<double>();
        if (p[i * 10 + k].get<double>() > p[i * 10 + best].get<double>())
          best = k;
      }
      CHECK(static_cast<int>(best) == job_labels[names[i]]);
    }
    CHECK(sum == Approx(20.0).epsilon(1e-3)); // each image's sum to 1
  }
  CHECK(typed[0].response["id"] == "typed");
  cluster.stop();
}

TEST_CASE("every malformed gRPC inference request gets its status, and the "
          "coordinator stays up",
          "[integration][oip][grpc]") {
  if (auto missing = test::grpc_client_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("grpc-malformed");
  // Small bounds, so that a message past them is cheap to send: at most 4
  // images of 64 KiB in a request, so gRPC takes messages of at most
  // 4 x (64 KiB + 4) + 1 MiB.
  test::local_cluster cluster{1, {"--fovea.oip-grpc=127.0.0.1:0",
                                  "--fovea.max-image-bytes=65536",
                                  "--fovea.oip-max-batch=4"}};
  auto port = test::grpc_port_of(*cluster.coordinator);
  auto good = test::pattern_png_file(dir, "good.png", 3);
  auto junk = dir / "junk.png";
  std::ofstream{junk} << "not an image at all";
  auto large = dir / "large.bin"; // over the message limit
  std::ofstream{large, std::ios::binary} << std::string(1'600'000, 'x');
  auto over_image = dir / "over.bin"; // over max-image-bytes
  std::ofstream{over_image, std::ios::binary} << std::string(70'000, 'x');

  auto with = [&](json patch) {
    auto request = image_file_request(good);
    request.merge_patch(patch);
    return request;
  };
  auto image_input = [](json fields) {
    json input{{"name", "image"}, {"datatype", "BYTES"}, {"shape", {1}}};
    input.merge_patch(fields);
    return json{{"inputs", {input}}};
  };
  struct hostile {
    std::string what;
    json request;
    int code;
    std::string says;
  };
  std::vector<hostile> cases{
    {"an unknown model", with({{"model_name", "nope"}}), not_found,
     "model nope is not served"},
    {"an unknown version", with({{"model_version", "7"}}), not_found,
     "fashion-mnist@7"},
    {"no inputs", with({{"inputs", json::array()}}), invalid_argument,
     "one input is required"},
    {"an unknown input", with(image_input({{"name", "pixels"}})),
     invalid_argument, "inputs[0].name"},
    {"image as FP32", with(image_input({{"datatype", "FP32"}})),
     invalid_argument, "\"image\" is BYTES"},
    {"a negative shape", with(image_input({{"shape", {-1}}})),
     invalid_argument, "inputs[0].shape"},
    {"a batch over oip-max-batch", with(image_input({{"shape", {5}}})),
     invalid_argument, "at most 4"},
    {"fewer images than the shape", with(image_input({{"shape", {2}}})),
     invalid_argument, "element 1 has no 4-byte length"},
    {"raw and typed contents",
     with(image_input({{"contents", {{"bytes_contents", {{{"$file", good}}}}}}})),
     invalid_argument, "not both"},
    {"typed contents short of the shape",
     {{"model_name", "fashion-mnist"},
      {"inputs",
       {{{"name", "image"},
         {"datatype", "BYTES"},
         {"shape", {2}},
         {"contents", {{"bytes_contents", {{{"$file", good}}}}}}}}}},
     invalid_argument, "2 images are required"},
    {"an image over max-image-bytes",
     with({{"raw_input_contents", {{{"$length_prefixed", {over_image}}}}}}),
     invalid_argument, "over 65536"},
    {"FP32 of the wrong shape",
     {{"model_name", "fashion-mnist"},
      {"inputs",
       {{{"name", "input"},
         {"datatype", "FP32"},
         {"shape", {1, 3, 28, 28}},
         {"contents", {{"fp32_contents", {0.5}}}}}}}},
     invalid_argument, "[N, 1, 28, 28]"},
    {"FP32 short of its shape",
     {{"model_name", "fashion-mnist"},
      {"inputs",
       {{{"name", "input"},
         {"datatype", "FP32"},
         {"shape", {1, 1, 28, 28}},
         {"contents", {{"fp32_contents", {0.5, 0.5}}}}}}}},
     invalid_argument, "784 numbers are required"},
    {"an unknown output", with({{"outputs", {{{"name", "logits"}}}}}),
     invalid_argument, "outputs[0].name"},
    {"classification past the classes",
     with({{"outputs",
            {{{"name", "probabilities"},
              {"parameters", {{"classification", {{"int64_param", 11}}}}}}}}}),
     invalid_argument, "a count from 1 to 10"},
    {"a timeout of zero",
     with({{"parameters", {{"timeout", {{"int64_param", 0}}}}}}),
     invalid_argument, "parameters.timeout"},
    {"an image no worker can decode",
     with({{"raw_input_contents", {{{"$length_prefixed", {junk}}}}}}),
     invalid_argument, "batch element 0"},
    {"a message over the limit",
     with({{"raw_input_contents", {{{"$file", large}}}}}),
     resource_exhausted, ""},
  };
  std::vector<test::grpc_call> calls;
  for (auto& c : cases)
    calls.push_back({"ModelInfer", c.request});
  auto answers = test::grpc_calls(port, calls, dir);
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].what << ": " << answers[i].details);
    CHECK(answers[i].code == cases[i].code);
    CHECK_THAT(answers[i].details, Catch::Contains(cases[i].says));
  }
  // Still up, and still answering.
  auto after = test::grpc_calls(
    port, {{"ServerLive"}, {"ModelInfer", image_file_request(good)}}, dir);
  CHECK(after[0].code == ok);
  CHECK(after[1].code == ok);
  CHECK(test::grpc_labels(after[1].response).size() == 1);
  CHECK(cluster.coordinator->running());
  cluster.stop();
}

TEST_CASE("a gRPC inference call past its deadline gets DEADLINE_EXCEEDED, "
          "one past a full queue RESOURCE_EXHAUSTED, and one its client "
          "cancels is dropped",
          "[integration][oip][grpc]") {
  if (auto missing = test::grpc_client_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("grpc-deadline");
  // The worker stays stopped through several clients' start-ups (Node's
  // takes seconds on a loaded machine): past CAF's 5 s connection timeout
  // the coordinator would let it go, and the model would not be served.
  test::local_cluster cluster{1, {"--fovea.oip-grpc=127.0.0.1:0",
                                  "--fovea.http=127.0.0.1:0",
                                  "--fovea.oip-max-requests=1",
                                  "--fovea.oip-timeout=2s",
                                  "--middleman.connection-timeout=120s"}};
  auto port = test::grpc_port_of(*cluster.coordinator);
  auto metrics = test::metrics_port_of(*cluster.coordinator);
  auto good = test::pattern_png_file(dir, "good.png", 5);
  auto one = image_file_request(good);

  // The only worker stops answering: of two calls at once, the one that
  // comes first waits on it (the server's 2 s), the other finds the queue
  // full.
  cluster.workers[0]->signal(SIGSTOP);
  auto own = one;
  own["parameters"] = {{"timeout", {{"uint64_param", "300000"}}}};
  auto answers = test::grpc_calls(
    port, {{"ModelInfer", one}, {"ModelInfer", one}}, dir, {}, 2);
  std::sort(answers.begin(), answers.end(),
            [](auto& a, auto& b) { return a.code < b.code; });
  CHECK(answers[0].code == deadline_exceeded);
  CHECK_THAT(answers[0].details, Catch::Contains("deadline of 2000 ms"));
  CHECK(answers[1].code == resource_exhausted);
  CHECK_THAT(answers[1].details, Catch::Contains("try again later"));
  // The request's own deadline, in microseconds as Triton's clients set it.
  auto hurried = test::grpc_calls(port, {{"ModelInfer", own}}, dir);
  CHECK(hurried[0].code == deadline_exceeded);
  CHECK_THAT(hurried[0].details, Catch::Contains("deadline of 300 ms"));
  CHECK(test::metric_reaches(metrics, "fovea_inference_requests_held", 0));

  // A call whose client gives up after 500 ms (gRPC's own deadline, which
  // grpc-js enforces by cancelling): the coordinator drops its request.
  std::vector<test::grpc_call> leaving{{"ModelInfer", one, 500}};
  auto left = test::grpc_calls(port, leaving, dir);
  CHECK(left[0].code == deadline_exceeded);
  CHECK(test::metric_reaches(metrics, "fovea_inference_requests_held", 0));
  auto outcomes = test::scraped_metric(
    metrics, "fovea_inference_requests_total", "outcome=\"abandoned\"");
  auto expired = test::scraped_metric(
    metrics, "fovea_inference_requests_total", "outcome=\"deadline\"");
  // Dropped as abandoned, or at the deadline the server took from the
  // call (500 ms), whichever the coordinator saw first; never answered.
  CHECK(outcomes.value_or(0) + expired.value_or(0) == 3.0);

  cluster.workers[0]->signal(SIGCONT);
  auto back = test::grpc_calls(port, {{"ModelInfer", one}}, dir);
  CHECK(back[0].code == ok);

  // The node stops while a call waits on the stopped worker: the server
  // cancels the call, the client hears a status (not OK), and the node
  // exits cleanly once gRPC is done with it.
  cluster.workers[0]->signal(SIGSTOP);
  auto waiting = std::async(std::launch::async, [&] {
    return test::grpc_calls(port, {{"ModelInfer", one}}, dir);
  });
  CHECK(test::metric_reaches(metrics, "fovea_inference_requests_held", 1));
  CHECK(cluster.coordinator->stop(SIGTERM, 60s) == 0);
  auto cut = waiting.get();
  CHECK(cut[0].code != ok);
  CHECK(cut[0].code != -1);
  cluster.workers[0]->signal(SIGCONT);
  cluster.stop();
}

TEST_CASE("beyond loopback gRPC inference takes TLS with client and operator "
          "certificates only, and never a revoked one",
          "[integration][oip][grpc]") {
  if (auto missing = test::grpc_client_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("grpc-tls");
  auto refused = test::run_fovea({"node", "--config", "config/coordinator.ini",
                                  "--fovea.port=0",
                                  "--fovea.oip-grpc=0.0.0.0:0"},
                                 30s);
  INFO(refused.second);
  CHECK(refused.first == 2);
  CHECK_THAT(refused.second, Catch::Contains("fovea.oip-grpc = 0.0.0.0:0"));

  auto pki_dir = dir / "pki";
  test::test_pki pki{pki_dir,
                     {{"coord", peer_role::coordinator},
                      {"w1", peer_role::worker},
                      {"alice", peer_role::client},
                      {"ops", peer_role::operator_},
                      {"prometheus", peer_role::monitor},
                      {"mallory", peer_role::client}}};
  pki.revoke("mallory");
  test::local_cluster cluster{
    1, {"--fovea.oip-grpc=0.0.0.0:0", "--fovea.crl=" + pki.crl()}, {},
    pki_dir.string()};
  auto line = test::printed_line(*cluster.coordinator, "Protocol) on grpc",
                                 30s);
  REQUIRE(line);
  CHECK_THAT(*line, Catch::Contains("grpcs://"));
  auto port = *test::grpc_port(*line);
  auto good = test::pattern_png_file(dir, "good.png", 2);
  std::vector<test::grpc_call> calls{
    {"ModelInfer", image_file_request(good)},
    {"ServerLive"},
    {"ModelMetadata", {{"name", "fashion-mnist"}}}};
  auto as = [&](const std::string& who) {
    test::grpc_tls tls;
    tls.ca = pki.ca();
    if (!who.empty()) {
      tls.certificate = pki.cert(who);
      tls.key = pki.key(who);
    }
    tls.server_name = "coord"; // nodes are named in their certificates
    return test::grpc_calls(port, calls, dir, tls);
  };
  for (auto who : {"alice", "ops"}) {
    auto answers = as(who);
    INFO(who << ": " << answers[0].details);
    CHECK(answers[0].code == ok);
    CHECK(answers[1].code == ok);
    CHECK(answers[2].code == ok);
  }
  auto monitor = as("prometheus");
  CHECK(monitor[0].code == permission_denied);
  CHECK(monitor[1].code == ok);
  CHECK(monitor[2].code == permission_denied);
  auto worker = as("w1");
  CHECK(worker[0].code == permission_denied);
  CHECK(worker[1].code == permission_denied);
  CHECK_THAT(worker[0].details, Catch::Contains("role worker"));
  // A revoked certificate, or none: no TLS session, so no call at all.
  for (auto who : {"mallory", ""}) {
    auto answers = as(who);
    INFO(who);
    for (auto& answer : answers)
      CHECK(answer.code == unavailable);
  }
  // In clear text: no answer either.
  auto plain = test::grpc_calls(port, {{"ServerLive"}}, dir);
  CHECK(plain[0].code == unavailable);
  cluster.stop();
}

TEST_CASE("the shell's models shows how many images a second are inference "
          "requests'",
          "[integration][oip][grpc]") {
  if (auto missing = test::grpc_client_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("grpc-shell");
  test::local_cluster cluster{1, {"--fovea.oip-grpc=127.0.0.1:0"}};
  auto port = test::grpc_port_of(*cluster.coordinator);
  auto good = test::pattern_png_file(dir, "good.png", 4);
  // Single-image calls for 12 s: a worker's rate is over 5 s windows, so
  // at least one whole window of them.
  auto load = test::grpc_calls_for(
    port, {{"ModelInfer", image_file_request(good)}}, dir, 2, 12s);
  // The row of fashion-mnist@1: model workers draining slots in-flight
  // images/s online/s jobs. Asked until its online rate shows, at most 40
  // times (each a shell of its own), while the calls go on.
  double images = 0, online = 0;
  std::string seen;
  for (int asked = 0; asked < 40 && online == 0 && load->running();
       ++asked) {
    test::child_process shell{{"shell", cluster.address}};
    shell.write_input("models\n");
    shell.close_input();
    REQUIRE(shell.wait_for_exit(60s) == 0);
    seen = shell.output();
    std::istringstream lines{seen};
    std::string line;
    while (std::getline(lines, line))
      if (line.rfind("fashion-mnist@1", 0) == 0) {
        std::istringstream fields{line};
        std::string model, workers, draining, slots, in_flight;
        fields >> model >> workers >> draining >> slots >> in_flight >> images
          >> online;
      }
  }
  INFO(seen);
  CHECK(seen.find("images/s  online/s  jobs") != std::string::npos);
  CHECK(online > 0);
  CHECK(images > 0);
  REQUIRE(load->wait_for_exit(60s) == 0);
  auto summary = json::parse(load->output(), nullptr, false);
  REQUIRE(summary.is_object());
  CHECK(summary["failed"] == 0);
  CHECK(summary["calls"].get<int>() > 0);
  cluster.stop();
}
