// The coordinator's status API (/api/v1/...) on its HTTP front, against a
// real cluster: what it lists, and who may cancel and drain through it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/oip_client.hpp"
#include "tests/support/process.hpp"

using namespace std::chrono_literals;
using namespace fovea;
using nlohmann::json;

namespace {

// The port of the coordinator's "metrics on ..." line.
uint16_t status_port(test::child_process& coordinator) {
  auto line = test::printed_line(coordinator, "metrics on", 30s);
  REQUIRE(line);
  CHECK_THAT(*line, Catch::Contains("the status API"));
  auto port = test::metrics_port(*line);
  REQUIRE(port);
  return *port;
}

// The entry of `list` whose `key` is `value`, or null.
json entry(const json& list, const std::string& key, const json& value) {
  for (auto& item : list)
    if (item.at(key) == value)
      return item;
  return nullptr;
}

} // namespace

TEST_CASE("the status API lists workers, jobs and models, and is read-only "
          "on plain loopback",
          "[integration][status]") {
  auto dir = test::fresh_dir("status-api");
  test::write_pattern_pngs(dir / "images", 40);
  test::local_cluster cluster{
    2, {"--fovea.http=127.0.0.1:0", "--fovea.max-queued-bytes=67108864"}};
  auto port = status_port(*cluster.coordinator);
  auto [code, said] = test::run_fovea(test::submit_args(
    cluster.address, dir / "images", dir / "r.csv", "nightly"));
  INFO(said);
  REQUIRE(code == 0);

  auto nodes = test::curl(port, "GET", "/api/v1/nodes");
  INFO(nodes.body);
  REQUIRE(nodes.status == 200);
  auto listed = json::parse(nodes.body).at("nodes");
  CHECK(listed.size() == 3);
  for (auto id : {"w1", "w2"}) {
    auto worker = entry(listed, "id", id);
    REQUIRE(worker.is_object());
    CHECK(worker.at("role") == "worker");
    CHECK(worker.at("state") == "ready");
    CHECK(worker.at("model") == "fashion-mnist@1");
    CHECK(worker.at("slots").get<int>() > 0);
  }
  auto coordinator = entry(listed, "role", "coordinator");
  REQUIRE(coordinator.is_object());
  CHECK(coordinator.at("address") == cluster.address); // where it listens

  auto jobs = test::curl(port, "GET", "/api/v1/jobs");
  INFO(jobs.body);
  REQUIRE(jobs.status == 200);
  auto job = entry(json::parse(jobs.body).at("jobs"), "name", "nightly");
  REQUIRE(job.is_object());
  CHECK(job.at("state") == "finished");
  CHECK(job.at("total") == 40);
  CHECK(job.at("done") == 40);
  CHECK(job.at("errors") == 0);
  CHECK(job.at("model") == "fashion-mnist@1");
  CHECK(job.at("eta_seconds") == -1);

  auto models = test::curl(port, "GET", "/api/v1/models");
  INFO(models.body);
  REQUIRE(models.status == 200);
  auto model = entry(json::parse(models.body).at("models"), "name",
                     "fashion-mnist");
  REQUIRE(model.is_object());
  CHECK(model.at("workers") == 2);
  CHECK(model.at("classes") == 10);

  // Its queue: empty once the job is done, against the limits it was given.
  auto queue = test::curl(port, "GET", "/api/v1/queue");
  INFO(queue.body);
  REQUIRE(queue.status == 200);
  auto held = json::parse(queue.body);
  CHECK(held.at("tasks") == 0);
  CHECK(held.at("bytes") == 0);
  CHECK(held.at("batches_in_flight") == 0);
  CHECK(held.at("bytes_limit") == 64u << 20);
  CHECK(held.at("tasks_limit").get<uint64_t>() > 0);

  // All of it in one answer, as the page's refresh reads it.
  auto whole = test::curl(port, "GET", "/api/v1/status?after=1");
  INFO(whole.body);
  REQUIRE(whole.status == 200);
  auto status = json::parse(whole.body);
  CHECK(status.at("nodes") == listed);
  CHECK(entry(status.at("jobs"), "name", "nightly").at("done") == 40);
  CHECK(entry(status.at("models"), "name", "fashion-mnist").at("workers")
        == 2);
  CHECK(status.at("queue").at("bytes_limit") == 64u << 20);
  REQUIRE_FALSE(status.at("events").empty());
  CHECK(status.at("events").at(0).at("seq") == 2); // those after 1
  CHECK(test::curl(port, "GET", "/api/v1/status?after=-1").status == 400);

  // Its events: both workers joined, the job opened and ended.
  auto events = test::curl(port, "GET", "/api/v1/events");
  INFO(events.body);
  REQUIRE(events.status == 200);
  auto logged = json::parse(events.body);
  std::vector<std::string> kinds;
  for (auto& e : logged.at("events"))
    kinds.push_back(e.at("kind"));
  CHECK(std::count(kinds.begin(), kinds.end(), "worker-joined") == 2);
  CHECK(std::count(kinds.begin(), kinds.end(), "job-opened") == 1);
  auto ended = entry(logged.at("events"), "kind", "job-ended");
  REQUIRE(ended.is_object());
  CHECK_THAT(ended.at("text").get<std::string>(),
             Catch::Contains("(nightly) finished"));
  auto last = logged.at("last").get<uint64_t>();
  auto newer = test::curl(port, "GET",
                          "/api/v1/events?after=" + std::to_string(last));
  CHECK(json::parse(newer.body).at("events").empty());
  CHECK(test::curl(port, "GET", "/api/v1/events?after=x").status == 400);

  // The page: the same as tables, read-only, with its own script only.
  auto page = test::curl(port, "GET", "/");
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("<td>w2</td><td>fashion-mnist@1</td>"
                                        "<td>ready</td>"));
  CHECK_THAT(page.body, Catch::Contains("<progress max=\"40\" value=\"40\">"));
  CHECK_THAT(page.body, Catch::Contains("data-can-change=\"no\""));
  CHECK_THAT(page.body, Catch::Contains("0.0 MiB of 64.0 MiB"));
  auto [headed, headers] = test::run_command(
    "curl -s -o /dev/null -D - http://127.0.0.1:" + std::to_string(port) + "/",
    30);
  INFO(headers);
  CHECK_THAT(headers, Catch::Contains("Content-Security-Policy: default-src "
                                      "'none'; script-src 'self'"));
  CHECK_THAT(headers, Catch::Contains("text/html"));
  auto script = test::curl(port, "GET", "/assets/status.js");
  CHECK(script.status == 200);
  CHECK_THAT(script.body, Catch::Contains("/api/v1/status"));
  CHECK(test::curl(port, "GET", "/assets/favicon.svg").status == 200);
  CHECK(test::curl(port, "GET", "/assets/nope.js").status == 404);

  // Without TLS no one is known to be an operator: nothing changes.
  auto drain = test::curl(port, "POST", "/api/v1/nodes/w2/drain", {},
                          {"X-Fovea-Confirm: drain"});
  INFO(drain.body);
  CHECK(drain.status == 403);
  CHECK_THAT(drain.body, Catch::Contains("read-only"));
  auto again = json::parse(test::curl(port, "GET", "/api/v1/nodes").body);
  CHECK(entry(again.at("nodes"), "id", "w2").at("state") == "ready");
  CHECK(test::curl(port, "GET", "/api/v1/nope").status == 404);
  cluster.stop();
}

TEST_CASE("with TLS an operator's certificate cancels and drains through "
          "the status API, and a client's, a monitor's or another site's "
          "page cannot",
          "[integration][status]") {
  auto dir = test::fresh_dir("status-api-tls");
  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1", "w2"}, "worker");
  test::fovea_certs(pki, {"alice"}, "client");
  test::fovea_certs(pki, {"ops"}, "operator");
  test::fovea_certs(pki, {"prometheus"}, "monitor");
  // All addresses, so beyond loopback: HTTPS. A job for a model no worker
  // serves waits (fovea.model-wait), running, until it is cancelled.
  test::local_cluster cluster{
    2, {"--fovea.http=0.0.0.0:0", "--fovea.model-wait=300s"}, {}, pki};
  auto port = status_port(*cluster.coordinator);
  test::write_pattern_pngs(dir / "images", 20);
  auto submit_args = test::submit_args(cluster.address, dir / "images",
                                       dir / "never.csv", "waiting");
  submit_args.insert(submit_args.end(), {"--model", "shoes-only"});
  for (auto& flag : cluster.tls_flags("alice"))
    submit_args.push_back(flag);
  test::child_process submit{submit_args};

  auto as = [&](const std::string& who) {
    return test::curl_tls{pki, who};
  };
  auto call = [&](const std::string& who, const std::string& method,
                  const std::string& path,
                  const std::vector<std::string>& headers = {}) {
    return test::curl(port, method, path, {}, headers, dir, as(who));
  };
  auto job_state = [&]() -> json {
    auto jobs = call("prometheus", "GET", "/api/v1/jobs");
    auto job = entry(json::parse(jobs.body).at("jobs"), "name", "waiting");
    return job.is_object() ? job.at("state") : json{};
  };

  // Readers: monitor, client and operator; a worker's certificate is not
  // a reader's, and no certificate gets no TLS session at all.
  auto first = call("prometheus", "GET", "/api/v1/nodes");
  INFO(first.body);
  CHECK(first.status == 200);
  CHECK(call("alice", "GET", "/api/v1/models").status == 200);
  CHECK(call("ops", "GET", "/api/v1/jobs").status == 200);
  CHECK(call("w1", "GET", "/api/v1/nodes").status == 403);
  CHECK(call("", "GET", "/api/v1/nodes").status == -1);
  REQUIRE(cluster.coordinator->wait_for_line("(waiting) opened by", 30s));
  CHECK(job_state() == "running");
  auto jobs = json::parse(call("ops", "GET", "/api/v1/jobs").body);
  auto id = entry(jobs.at("jobs"), "name", "waiting").at("id").get<uint64_t>();
  auto cancel_path = "/api/v1/jobs/" + std::to_string(id) + "/cancel";

  // The page offers cancel and drain to the operator only.
  CHECK_THAT(call("ops", "GET", "/").body,
             Catch::Contains("data-can-change=\"yes\""));
  CHECK_THAT(call("alice", "GET", "/").body,
             Catch::Contains("data-can-change=\"no\""));
  CHECK(call("w1", "GET", "/").status == 403);

  // Refused: a client, a monitor, an operator without the confirmation
  // header, and an operator's browser on another site's page.
  auto confirm_cancel = std::vector<std::string>{"X-Fovea-Confirm: cancel"};
  CHECK(call("alice", "POST", cancel_path, confirm_cancel).status == 403);
  CHECK(call("prometheus", "POST", cancel_path, confirm_cancel).status == 403);
  auto unconfirmed = call("ops", "POST", cancel_path);
  CHECK(unconfirmed.status == 403);
  CHECK_THAT(unconfirmed.body, Catch::Contains("X-Fovea-Confirm: cancel"));
  auto cross_site = call("ops", "POST", cancel_path,
                         {"X-Fovea-Confirm: cancel",
                          "Origin: https://evil.example"});
  CHECK(cross_site.status == 403);
  CHECK_THAT(cross_site.body, Catch::Contains("another origin"));
  CHECK(job_state() == "running");
  CHECK(submit.running());

  // The operator, confirmed, from the front's own origin.
  auto cancelled = call("ops", "POST", cancel_path,
                        {"X-Fovea-Confirm: cancel",
                         "Origin: https://coord:" + std::to_string(port)});
  INFO(cancelled.body);
  CHECK(cancelled.status == 200);
  CHECK(json::parse(cancelled.body).at("state") == "cancelled");
  CHECK(job_state() == "cancelled");
  CHECK(submit.wait_for_exit(60s) != 0);
  CHECK(call("ops", "POST", "/api/v1/jobs/999/cancel", confirm_cancel).status
        == 404);

  // Draining: refused to a client; an unknown worker is 404; the operator's
  // drain makes w2 leave, and its node ends cleanly.
  auto confirm_drain = std::vector<std::string>{"X-Fovea-Confirm: drain"};
  CHECK(call("alice", "POST", "/api/v1/nodes/w2/drain", confirm_drain).status
        == 403);
  CHECK(call("ops", "POST", "/api/v1/nodes/w9/drain", confirm_drain).status
        == 404);
  auto drained = call("ops", "POST", "/api/v1/nodes/w2/drain", confirm_drain);
  INFO(drained.body);
  CHECK(drained.status == 202);
  CHECK(cluster.workers[1]->wait_for_exit(60s) == 0);
  auto nodes = json::parse(call("ops", "GET", "/api/v1/nodes").body);
  CHECK(entry(nodes.at("nodes"), "id", "w2").is_null());
  // The log says what happened.
  auto events = json::parse(call("prometheus", "GET", "/api/v1/events").body);
  std::string said;
  for (auto& e : events.at("events"))
    said += e.at("kind").get<std::string>() + ": "
            + e.at("text").get<std::string>() + "\n";
  INFO(said);
  CHECK_THAT(said, Catch::Contains("job-ended: job " + std::to_string(id)
                                   + " (waiting) cancelled"));
  CHECK_THAT(said, Catch::Contains("worker-draining: worker w2"));
  CHECK_THAT(said, Catch::Contains("worker-left: worker w2 drained"));
  CHECK(entry(nodes.at("nodes"), "id", "w1").at("state") == "ready");
  cluster.workers.pop_back();
  cluster.stop();
}
