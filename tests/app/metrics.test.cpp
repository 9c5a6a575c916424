// A node's HTTP endpoint on real processes: /readyz through a worker's
// model load and for a coordinator without workers; /metrics that Debian's
// promtool accepts during and after a job, with counters that agree with
// the results file; HTTPS with the cluster's certificates off loopback.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <regex>
#include <set>

#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string on_any_port = "--fovea.http=127.0.0.1:0";

// The port in the node's "metrics on" line, printed before its ready line
// (which a cluster may have waited for already).
uint16_t http_port_of(test::child_process& node) {
  auto line = test::printed_line(node, "metrics on", 30s);
  INFO(node.output());
  REQUIRE(line);
  auto port = test::metrics_port(*line);
  REQUIRE(port);
  return *port;
}

std::string scrape(uint16_t port) {
  auto reply = test::http_get("127.0.0.1", port, "/metrics");
  INFO(reply.error);
  REQUIRE(reply.status == 200);
  return reply.body;
}

bool have_promtool() {
  return test::run_command("sh -c 'command -v promtool'", 10).first == 0;
}

// promtool's linter: the exposition format, names, units, _total suffixes.
void check_with_promtool(const std::string& text, const fs::path& file) {
  std::ofstream{file} << text;
  auto [code, said] = test::run_command(
    "sh -c 'promtool check metrics < " + file.string() + "'", 60);
  INFO(file.string() << ":\n" << said);
  CHECK(code == 0);
}

} // namespace

TEST_CASE("readyz follows a worker's model load and a coordinator's "
          "workers",
          "[integration][metrics]") {
  test::child_process coordinator{{"node", "--config", "config/coordinator.ini",
                                   "--fovea.port=0", "--fovea.id=coord",
                                   on_any_port}};
  auto coordinator_http = http_port_of(coordinator);
  auto listening = coordinator.wait_for_line("ready on", 30s);
  REQUIRE(listening);
  auto address = "127.0.0.1:" + listening->substr(listening->rfind(':') + 1);

  // Listening, but nobody to hand work to: alive, not ready.
  auto health = test::http_get("127.0.0.1", coordinator_http, "/healthz");
  CHECK(health.status == 200);
  auto unready = test::http_get("127.0.0.1", coordinator_http, "/readyz");
  CHECK(unready.status == 503);
  CHECK(unready.body == "no worker registered\n");
  // A second coordinator on the same port opens its endpoint, then fails
  // to listen: it must still exit 2 (the endpoint stops), not hang.
  auto taken = test::run_fovea({"node", "--config", "config/coordinator.ini",
                                "--fovea.port=" + address.substr(10),
                                on_any_port},
                               30s);
  INFO(taken.second);
  CHECK(taken.first == 2);

  test::child_process worker{{"node", "--config", "config/worker.ini",
                              "--fovea.coordinator=" + address,
                              "--fovea.id=w1", on_any_port}};
  auto worker_http = http_port_of(worker);
  // The endpoint opens before the model loads: until its warm-up line, the
  // worker says it is starting; after it, that it is not yet registered.
  auto early = test::http_get("127.0.0.1", worker_http, "/readyz");
  worker.running(); // takes in what it printed meanwhile
  INFO(worker.output());
  CHECK(early.status == 503);
  if (worker.output().find("warmed up") == std::string::npos)
    CHECK(early.body.rfind("starting:", 0) == 0);
  else
    CHECK((early.body.rfind("starting:", 0) == 0
           || early.body == "not registered with a coordinator\n"));
  CHECK(test::http_get("127.0.0.1", worker_http, "/healthz").status == 200);

  REQUIRE(worker.wait_for_line("ready: registered", 60s));
  auto worker_ready = test::http_get("127.0.0.1", worker_http, "/readyz");
  CHECK(worker_ready.status == 200);
  CHECK(worker_ready.body == "ready\n");
  // The coordinator samples its readiness before it logs the registration.
  REQUIRE(coordinator.wait_for_line("registered from", 30s));
  auto ready = test::http_get("127.0.0.1", coordinator_http, "/readyz");
  CHECK(ready.status == 200);
  CHECK(test::http_get("127.0.0.1", coordinator_http, "/nothing").status
        == 404);

  CHECK(worker.stop(SIGTERM, 60s) == 0);
  CHECK(coordinator.stop(SIGTERM, 30s) == 0);
}

TEST_CASE("metrics pass promtool during and after a job and agree with its "
          "results file",
          "[integration][metrics]") {
  if (!have_promtool()) {
    test::skip_test("promtool (Debian's prometheus package) is not installed");
    return;
  }
  auto dir = test::fresh_dir("metrics-job");
  auto paths = test::write_pattern_pngs(dir / "images", 10000);
  for (int i = 0; i < 3; ++i) // error rows: not images at all
    test::write_file(dir / "images" / ("broken-" + std::to_string(i) + ".png"),
                     {'n', 'o', 't', ' ', 'a', ' ', 'p', 'n', 'g'});
  test::local_cluster cluster{2, {on_any_port}, {on_any_port}};
  auto coordinator_http = http_port_of(*cluster.coordinator);
  std::vector<uint16_t> worker_http;
  for (auto& w : cluster.workers)
    worker_http.push_back(http_port_of(*w));

  auto results = dir / "results.csv";
  test::child_process submit{{"submit", "--coordinator", cluster.address,
                              (dir / "images").string(), "--out",
                              results.string(), "--job", "labelling"}};
  REQUIRE(cluster.coordinator->wait_for_line("opened by", 60s));
  auto during = scrape(coordinator_http);
  check_with_promtool(during, dir / "during.prom");
  CHECK(test::metric_sum(during, "fovea_jobs_running") == 1.0);
  CHECK(test::metric_sum(during, "fovea_results_total",
                         "job_name=\"labelling\""));
  CHECK(test::metric_sum(during, "fovea_workers", "state=\"registered\"")
        == 2.0);
  REQUIRE(submit.wait_for_exit(300s) == 0);

  auto rows = test::read_results(results).rows;
  REQUIRE(rows.size() == 10003);
  double ok = 0, errors = 0;
  for (auto& row : rows)
    (row.error.empty() ? ok : errors) += 1;
  CHECK(ok == 10000);
  CHECK(errors == 3);

  auto after = scrape(coordinator_http);
  check_with_promtool(after, dir / "after.prom");
  auto with = [](const std::string& outcome) {
    return "job_name=\"labelling\",outcome=\"" + outcome + "\"";
  };
  CHECK(test::metric_sum(after, "fovea_results_total", with("ok")) == ok);
  CHECK(test::metric_sum(after, "fovea_results_total", with("error"))
        == errors);
  CHECK(test::metric_sum(after, "fovea_results_total", with("poison")) == 0.0);
  CHECK(test::metric_sum(after, "fovea_jobs_ended_total",
                         "state=\"finished\"") == 1.0);
  CHECK(test::metric_sum(after, "fovea_jobs_running") == 0.0);
  CHECK(test::metric_sum(after, "fovea_queue_tasks") == 0.0);
  CHECK(test::metric_sum(after, "fovea_build_info", "role=\"coordinator\"")
        == 1.0);

  // The workers' own view adds up to the same rows: every labelled image
  // went through one forward pass, every broken one was an error row.
  double labelled = 0, refused = 0, batch_images = 0, batches = 0;
  for (auto port : worker_http) {
    auto text = scrape(port);
    check_with_promtool(text, dir / ("worker-" + std::to_string(port) + ".prom"));
    labelled += test::metric_sum(text, "fovea_worker_images_total",
                                 "outcome=\"ok\"").value_or(-1);
    refused += test::metric_sum(text, "fovea_worker_images_total",
                                "outcome=\"error\"").value_or(-1);
    batch_images += test::metric_sum(text, "fovea_worker_batch_size_sum")
                      .value_or(-1);
    batches += test::metric_sum(text, "fovea_worker_batches_total").value_or(-1);
    CHECK(test::metric_sum(text, "fovea_worker_forward_seconds_count")
          == test::metric_sum(text, "fovea_worker_batches_total"));
  }
  // No batch was retried or copied in this run, so nothing ran twice.
  REQUIRE(test::metric_sum(after, "fovea_task_retries_total") == 0.0);
  CHECK(labelled == ok);
  CHECK(refused == errors);
  CHECK(batch_images == ok);
  CHECK(batches >= ok / 64);
  cluster.stop();
}

TEST_CASE("beyond loopback the endpoint speaks HTTPS to readers with the "
          "cluster's certificates, and refuses others",
          "[integration][metrics]") {
  auto dir = test::fresh_dir("metrics-tls");
  // In clear text beyond loopback: a configuration error.
  auto refused = test::run_fovea({"node", "--config", "config/coordinator.ini",
                                  "--fovea.port=0",
                                  "--fovea.http=0.0.0.0:0"},
                                 30s);
  INFO(refused.second);
  CHECK(refused.first == 2);
  CHECK_THAT(refused.second, Catch::Contains("fovea.http = 0.0.0.0:0"));

  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"prometheus"}, "monitor");
  test::fovea_certs(pki, {"w1"}, "worker");
  // All addresses, so beyond loopback; the test reaches it on 127.0.0.1.
  test::child_process coordinator{
    {"node", "--config", "config/coordinator.ini", "--fovea.port=0",
     "--fovea.certificate=" + pki + "/coord.pem",
     "--fovea.key=" + pki + "/coord.key", "--fovea.ca=" + pki + "/ca.pem",
     "--fovea.http=0.0.0.0:0"}};
  auto line = coordinator.wait_for_line("metrics on", 30s);
  INFO(coordinator.output());
  REQUIRE(line);
  CHECK_THAT(*line, Catch::Contains("https://"));
  auto port = *test::metrics_port(*line);
  REQUIRE(coordinator.wait_for_line("ready on", 30s));

  // openssl s_client checks the chain against the cluster's CA (nodes are
  // named in their certificates, not by address: Prometheus's tls_config
  // says server_name for that) and speaks HTTP/1.0 over it.
  auto fetch = [&](const std::string& who) {
    auto credentials = who.empty() ? std::string{}
                                   : " -cert " + pki + "/" + who + ".pem -key "
                                       + pki + "/" + who + ".key";
    return test::run_command(
      "sh -c \"printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' | openssl s_client "
      "-quiet -verify_return_error -connect 127.0.0.1:"
        + std::to_string(port) + " -CAfile " + pki + "/ca.pem" + credentials
        + "\"",
      30);
  };
  auto scraped = fetch("prometheus");
  INFO(scraped.second);
  CHECK_THAT(scraped.second, Catch::Contains("HTTP/1.0 200 OK"));
  CHECK_THAT(scraped.second, Catch::Contains("fovea_build_info{"));
  // A worker's certificate is the cluster's, but not a reader's.
  auto worker = fetch("w1");
  INFO(worker.second);
  CHECK_THAT(worker.second, Catch::Contains("HTTP/1.0 403 Forbidden"));
  CHECK(worker.second.find("fovea_build_info") == std::string::npos);
  auto anonymous = fetch("");
  INFO(anonymous.second);
  CHECK(anonymous.second.find("HTTP/1.1") == std::string::npos);
  CHECK(anonymous.second.find("fovea_build_info") == std::string::npos);
  auto plain = test::http_get("127.0.0.1", port, "/metrics");
  CHECK(plain.status != 200);
  CHECK(coordinator.stop(SIGTERM, 30s) == 0);
}

TEST_CASE("the shipped alert rules pass promtool's check and their unit "
          "tests",
          "[metrics][alerts]") {
  if (!have_promtool()) {
    test::skip_test("promtool (Debian's prometheus package) is not installed");
    return;
  }
  auto dir = test::source_dir() + "/config/monitoring";
  auto [checked, check_said] = test::run_command(
    "sh -c 'cd " + dir + " && promtool check rules fovea-alerts.yml'", 60);
  INFO(check_said);
  CHECK(checked == 0);
  CHECK_THAT(check_said, Catch::Contains("SUCCESS: 6 rules found"));
  auto [tested, test_said] = test::run_command(
    "sh -c 'cd " + dir + " && promtool test rules fovea-alerts.test.yml'", 60);
  INFO(test_said);
  CHECK(tested == 0);
  CHECK_THAT(test_said, Catch::Contains("SUCCESS"));
}

TEST_CASE("every metric the alert rules read is one a live coordinator "
          "exports, the queue's byte budget among them",
          "[integration][metrics][alerts]") {
  std::ifstream rules_file{test::source_dir()
                           + "/config/monitoring/fovea-alerts.yml"};
  std::string rules{std::istreambuf_iterator<char>{rules_file}, {}};
  REQUIRE_FALSE(rules.empty());
  std::set<std::string> read;
  std::regex name{"fovea_[a-z_]+"};
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), name);
       it != std::sregex_iterator{}; ++it)
    read.insert(it->str());
  CHECK(read.size() >= 7);

  // A job first: a job's result series exist from its opening.
  auto dir = test::fresh_dir("metrics-alerts");
  test::write_pattern_pngs(dir / "images", 5);
  test::local_cluster cluster{
    1, {on_any_port, "--fovea.max-queued-bytes=300000000"}};
  auto [code, said] = test::run_fovea(
    {"submit", "--coordinator", cluster.address, (dir / "images").string(),
     "--out", (dir / "results.csv").string()});
  INFO(said);
  REQUIRE(code == 0);
  auto text = scrape(http_port_of(*cluster.coordinator));
  for (auto& metric : read) {
    INFO(metric);
    auto exported = text.find("\n" + metric + "{") != std::string::npos
                    || text.find("\n" + metric + " ") != std::string::npos;
    CHECK(exported);
  }
  CHECK(test::metric_sum(text, "fovea_queue_bytes_limit") == 300000000.0);
  cluster.stop();
}
