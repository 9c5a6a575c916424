// The Grafana dashboard (config/monitoring/fovea-dashboard.json) against a
// real Prometheus: Grafana is not in Debian, so this test does what
// Grafana would. Debian's prometheus scrapes a test cluster (a coordinator
// with its journal and inference front, two workers) once a second while a
// named job and a few inference requests run; then every panel's query,
// with Grafana's variables put in, must return at least one finite sample,
// and the dashboard's variable must list the scrape job.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/images.hpp"
#include "tests/support/oip_client.hpp"
#include "tests/support/oip_cluster.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::string prometheus_binary = "/usr/bin/prometheus";
const std::string scrape_job = "fovea-test";

// A port free now: Prometheus takes no port 0 and says no port back.
uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe{
    io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return probe.local_endpoint().port();
}

// A panel's query as Grafana sends it for this cluster over the last minute.
std::string as_grafana_sends(std::string expr) {
  auto put = [&](const std::string& name, const std::string& value) {
    for (auto at = expr.find(name); at != std::string::npos;
         at = expr.find(name, at + value.size()))
      expr.replace(at, name.size(), value);
  };
  put("$__rate_interval", "1m");
  put("$job", scrape_job);
  return expr;
}

// GET Prometheus's `path` with `parameters`, each URL-encoded by curl
// (PromQL holds no single quote): {exit code, body}.
std::pair<int, std::string> prometheus_get(
  uint16_t port, const std::string& path,
  const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string command = "curl -sfG http://127.0.0.1:" + std::to_string(port)
                        + path;
  for (auto& [name, value] : parameters)
    command += " --data-urlencode '" + name + "=" + value + "'";
  return test::run_command(command, 20);
}

// The query's samples at `when` (Unix seconds): how many, and how many are
// finite numbers; `said` is Prometheus's answer.
std::pair<size_t, size_t> samples_of(uint16_t port, const std::string& expr,
                                     double when, std::string& said) {
  auto [code, body] = prometheus_get(
    port, "/api/v1/query", {{"query", expr}, {"time", std::to_string(when)}});
  said = "at " + std::to_string(when) + ": " + body.substr(0, 400);
  if (code != 0)
    return {0, 0};
  auto answer = json::parse(body, nullptr, false);
  if (answer.is_discarded() || answer["status"] != "success")
    return {0, 0};
  size_t finite = 0;
  auto& result = answer["data"]["result"];
  for (auto& sample : result) {
    auto value = std::strtod(sample["value"][1].get<std::string>().c_str(),
                             nullptr);
    if (std::isfinite(value))
      ++finite;
  }
  return {result.size(), finite};
}

double unix_now() {
  return std::chrono::duration<double>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Waits until Prometheus answers `condition` (a PromQL filter) with a
// sample: it tells no one when it has scraped, so it is asked every 250 ms,
// for at most 60 s. False, and its last answer in `said`, if it never did.
bool prometheus_reaches(uint16_t port, const std::string& condition,
                        std::string& said) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (samples_of(port, condition, unix_now(), said).second == 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(250ms);
  }
  return true;
}

} // namespace

TEST_CASE("every query of the Grafana dashboard returns data from a real "
          "Prometheus scraping a test cluster",
          "[integration][metrics][dashboard]") {
  if (!fs::exists(prometheus_binary)) {
    test::skip_test("Debian's prometheus package is not installed");
    return;
  }
  std::ifstream file{test::source_dir()
                     + "/config/monitoring/fovea-dashboard.json"};
  auto dashboard = json::parse(file, nullptr, false);
  REQUIRE_FALSE(dashboard.is_discarded());
  std::vector<std::string> queries;
  for (auto& panel : dashboard["panels"]) {
    INFO(panel["title"]);
    CHECK(panel["datasource"]["uid"] == "${datasource}");
    REQUIRE(panel["targets"].size() > 0);
    for (auto& target : panel["targets"])
      queries.push_back(target["expr"].get<std::string>());
  }
  REQUIRE(queries.size() >= 16);

  auto dir = test::fresh_dir("dashboard");
  test::write_pattern_pngs(dir / "images", 3000);
  test::local_cluster cluster{
    2,
    {"--fovea.http=127.0.0.1:0", "--fovea.oip-http=127.0.0.1:0",
     "--fovea.journal-dir=" + (dir / "journals").string()},
    {"--fovea.http=127.0.0.1:0"}};
  std::vector<std::string> targets{
    "127.0.0.1:" + std::to_string(test::metrics_port_of(*cluster.coordinator))};
  for (auto& worker : cluster.workers)
    targets.push_back("127.0.0.1:"
                      + std::to_string(test::metrics_port_of(*worker)));
  std::string listed;
  for (auto& target : targets)
    listed += (listed.empty() ? "\"" : ", \"") + target + "\"";
  std::ofstream{dir / "prometheus.yml"}
    << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
       "scrape_configs:\n  - job_name: " << scrape_job
    << "\n    static_configs:\n      - targets: [" << listed << "]\n";
  auto port = free_port();
  test::child_process prometheus{
    {"--config.file=" + (dir / "prometheus.yml").string(),
     "--storage.tsdb.path=" + (dir / "tsdb").string(),
     "--web.listen-address=127.0.0.1:" + std::to_string(port)},
    test::other_program{prometheus_binary, {}}};
  INFO(prometheus.output());
  REQUIRE(prometheus.wait_for_line("Server is ready to receive web requests",
                                   60s));

  // Prometheus scrapes first a few seconds after it is ready (its target
  // discovery's first update): the job starts once every target is up.
  std::string up;
  auto scraping = prometheus_reaches(
    port, "sum(up{job=\"" + scrape_job + "\"}) == 3", up);
  INFO(up);
  REQUIRE(scraping);

  // A named job (journaled), then a few inference requests.
  auto [code, said] = test::run_fovea(
    {"submit", "--coordinator", cluster.address, (dir / "images").string(),
     "--out", (dir / "results.csv").string(), "--job", "dashboard"});
  INFO(said);
  REQUIRE(code == 0);
  auto oip = test::oip_port_of(*cluster.coordinator);
  for (int i = 0; i < 5; ++i) {
    auto [body, length] = test::binary_infer_body({test::pattern_png(i)}, 1);
    auto answer = test::curl(oip, "POST", "/v2/models/fashion-mnist/infer",
                             body, {"Inference-Header-Content-Length: " + length,
                                    "Content-Type: application/octet-stream"},
                             dir);
    REQUIRE(answer.status == 200);
  }
  // Once Prometheus has scraped all of it (every row, every image on the
  // workers, every request), each panel over the minute up to now.
  std::string scraped;
  auto in_job = "{job=\"" + scrape_job + "\"}";
  auto all_scraped = prometheus_reaches(
    port,
    "(sum(fovea_results_total" + in_job + ") >= 3000) and on() "
      + "(sum(fovea_worker_images_total" + in_job + ") >= 3005) and on() "
      + "(sum(fovea_inference_requests_total{job=\"" + scrape_job
      + "\",outcome=\"ok\"}) >= 5)",
    scraped);
  INFO(scraped);
  REQUIRE(all_scraped);
  // A rate needs two samples of a series: a job that opened and ended
  // between two scrapes has one until every target is scraped once more.
  std::string again;
  auto scraped_again = prometheus_reaches(
    port,
    "min(timestamp(up" + in_job + ")) > " + std::to_string(unix_now()),
    again);
  INFO(again);
  REQUIRE(scraped_again);
  auto when = unix_now();
  for (auto& query : queries) {
    auto sent = as_grafana_sends(query);
    std::string said;
    auto got = samples_of(port, sent, when, said);
    INFO(sent << "\n" << said);
    CHECK(got.first > 0);
    CHECK(got.second > 0);
  }
  // The dashboard's variable: label_values(fovea_build_info, job).
  auto [listed_code, values] = prometheus_get(
    port, "/api/v1/label/job/values", {{"match[]", "fovea_build_info"}});
  CHECK(listed_code == 0);
  CHECK_THAT(values, Catch::Contains("\"" + scrape_job + "\""));
  cluster.stop();
}
