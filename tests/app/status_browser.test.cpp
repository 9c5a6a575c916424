// The status page in a real browser (Debian's chromium, headless, driven by
// playwright-core): what an operator sees of a job and its workers, a drain
// from the page, and what a client's certificate and the cluster's own
// text cannot do there. Screenshots go to BUILD/test-artifacts.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/browser.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace std::chrono_literals;
using namespace fovea;
using nlohmann::json;

namespace {

// The port of the coordinator's "metrics on ..." line.
std::string front_port(test::child_process& coordinator) {
  auto line = test::printed_line(coordinator, "metrics on", 30s);
  REQUIRE(line);
  auto port = test::metrics_port(*line);
  REQUIRE(port);
  return std::to_string(*port);
}

// The row of `rows` whose id is `id`, or null.
json row_of(const json& rows, const std::string& id) {
  for (auto& row : rows)
    if (row.at("id") == id)
      return row;
  return nullptr;
}

// Job names are letters, digits, '.', '_' and '-' (jobs/job_journal.hpp),
// so the text a page shows that anyone could make markup is a worker's
// host name, or a poison row's path: a worker whose machine is named so.
constexpr const char* markup_host = "<img src=x onerror=window.pwned=1>";

// `fovea node` as worker `id` of `coordinator`, in a UTS namespace of its
// own whose host name is `host`.
std::unique_ptr<test::child_process>
worker_on_host(const std::string& host, const std::string& coordinator,
               const std::string& id) {
  return std::make_unique<test::child_process>(
      std::vector<std::string>{
          "--uts", "sh", "-c",
          "printf %s \"$0\" > /proc/sys/kernel/hostname "
          "&& exec \"$@\"",
          host, test::fovea_binary(), "node", "--config", "config/worker.ini",
          "--fovea.coordinator=" + coordinator, "--fovea.id=" + id},
      test::other_program{"/usr/bin/unshare", {}});
}

} // namespace

TEST_CASE("in a real browser the status page shows two workers and a job's "
          "progress rising to done and a host name that is markup as text",
          "[integration][status][browser]") {
  if (auto why = test::browser_missing(); !why.empty()) {
    test::skip_test(why);
    return;
  }
  if (::geteuid() != 0) {
    test::skip_test("a worker's host name, set in a UTS namespace of its "
                    "own, needs root");
    return;
  }
  // Long enough to be seen running at a refresh a second: about 6 s here.
  constexpr int images = 30000;
  auto dir = test::fresh_dir("status-browser");
  test::write_pattern_pngs(dir / "images", images);
  test::local_cluster cluster{1, {"--fovea.http=127.0.0.1:0"}};
  auto port = front_port(*cluster.coordinator);
  auto w2 = worker_on_host(markup_host, cluster.address, "w2");
  INFO(w2->output());
  REQUIRE(w2->wait_for_line("ready", 60s));

  test::browser chromium;
  auto opened = chromium.call(
      {{"cmd", "open"}, {"url", "http://127.0.0.1:" + port + "/"}});
  CHECK(opened.at("status") == 200);
  auto workers = chromium.call({{"cmd", "workers"}}).at("rows");
  INFO(workers.dump());
  CHECK(workers.size() == 2);
  for (auto id : {"w1", "w2"}) {
    auto row = row_of(workers, id);
    REQUIRE(row.is_object());
    CHECK(row.at("state") == "ready");
    CHECK(row.at("buttons").empty()); // a plain front is read-only
  }
  CHECK(row_of(workers, "w2").at("cells").at(7) == markup_host);

  test::child_process submit{test::submit_args(cluster.address, dir / "images",
                                               dir / "r.csv", "watched")};
  auto watched = chromium.call(
      {{"cmd", "watch_job"},
       {"name", "watched"},
       {"timeout_ms", 240'000},
       {"screenshot", test::artifact_path("status-during-job.png")}},
      250s);
  INFO(watched.dump());
  INFO(submit.output());
  CHECK(submit.wait_for_exit(60s) == 0);
  // Each value the page showed, in order: rising, through at least two
  // values short of done while running, and done at the end.
  auto& seen = watched.at("seen");
  REQUIRE(seen.size() >= 3);
  double before = -1;
  int short_of_done = 0;
  for (auto& [value, max, state] :
       seen.get<std::vector<std::tuple<double, double, std::string>>>()) {
    CHECK(value >= before);
    before = value;
    CHECK(max == images);
    if (state == "running" && value < max)
      ++short_of_done;
  }
  CHECK(short_of_done >= 2);
  auto last = seen.back();
  CHECK(last.at(0) == images);
  CHECK(last.at(2) == "finished");
  CHECK(watched.at("screenshot") == true);

  // The host name is text in its cell, never an element, and nothing of
  // it ran; the page loaded nothing but its own script and raised no error.
  auto markup = chromium.call({{"cmd", "markup"}});
  CHECK(markup.at("foreign").empty());
  CHECK(markup.at("images") == 0);
  CHECK(markup.at("pwned") == false);
  CHECK(markup.at("scripts") == json::array({"/assets/status.js"}));
  CHECK(markup.at("page_errors").empty());
  chromium.call({{"cmd", "screenshot"},
                 {"path", test::artifact_path("status-after-job.png")}});

  CHECK(w2->stop(SIGTERM, 60s) == 0);
  cluster.stop();
}

TEST_CASE("in a real browser an operator's certificate drains a worker from "
          "the page while a client's page offers no change and is refused "
          "one",
          "[integration][status][browser]") {
  if (auto why = test::browser_missing(); !why.empty()) {
    test::skip_test(why);
    return;
  }
  auto dir = test::fresh_dir("status-browser-tls");
  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1", "w2"}, "worker");
  test::fovea_certs(pki, {"alice"}, "client");
  test::fovea_certs(pki, {"ops"}, "operator");
  // All addresses, so beyond loopback: HTTPS, and a certificate's role.
  test::local_cluster cluster{2, {"--fovea.http=0.0.0.0:0"}, {}, pki};
  auto url = "https://coord:" + front_port(*cluster.coordinator) + "/";
  auto as = [&](const std::string& who) {
    return json{{"cmd", "open"},
                {"url", url},
                {"cert", pki + "/" + who + ".pem"},
                {"key", pki + "/" + who + ".key"}};
  };
  // The browser reaches the coordinator by the name on its certificate and
  // trusts the cluster's CA, as an operator's machine would.
  test::browser chromium{"coord=127.0.0.1", pki + "/ca.pem"};
  CHECK(chromium.call(as("ops")).at("status") == 200);
  auto workers = chromium.call({{"cmd", "workers"}}).at("rows");
  INFO(workers.dump());
  REQUIRE(workers.size() == 2);
  for (auto& row : workers)
    CHECK(row.at("buttons") == json::array({"drain"}));

  // w2 holds batches it cannot answer yet (stopped), so that its drain
  // lasts until it goes on: the page shows it draining meanwhile.
  auto& w2 = *cluster.workers[1];
  w2.signal(SIGSTOP);
  test::write_pattern_pngs(dir / "images", 3000);
  auto submit_args = test::submit_args(cluster.address, dir / "images",
                                       dir / "r.csv", "drained-under");
  for (auto& flag : cluster.tls_flags("alice"))
    submit_args.push_back(flag);
  test::child_process submit{submit_args};
  chromium.call({{"cmd", "wait_worker"},
                 {"worker", "w2"},
                 {"in_flight_above", 0},
                 {"timeout_ms", 60'000}});
  auto drain = chromium.call({{"cmd", "drain"}, {"worker", "w2"}});
  INFO(drain.dump());
  CHECK_THAT(drain.at("question").get<std::string>(),
             Catch::StartsWith("Drain worker w2?"));
  CHECK(drain.at("said") == "drain: done");
  auto draining = chromium.call({{"cmd", "wait_worker"},
                                 {"worker", "w2"},
                                 {"state", "draining"},
                                 {"timeout_ms", 20'000}});
  CHECK(draining.at("row").at("buttons").empty());
  chromium.call({{"cmd", "wait_event"},
                 {"contains", "worker w2 (fashion-mnist@1) draining"},
                 {"timeout_ms", 20'000}});
  chromium.call({{"cmd", "screenshot"},
                 {"path", test::artifact_path("status-operator-drain.png")}});
  w2.signal(SIGCONT);
  CHECK(w2.wait_for_exit(60s) == 0); // drained: it leaves
  INFO(submit.output());
  CHECK(submit.wait_for_exit(120s) == 0);

  // A client's certificate reads the same page without a button, and a
  // drain its page's own script sends, confirmed, is refused.
  CHECK(chromium.call(as("alice")).at("status") == 200);
  auto seen = chromium.call({{"cmd", "workers"}}).at("rows");
  INFO(seen.dump());
  REQUIRE(seen.size() == 1);
  CHECK(seen.at(0).at("id") == "w1");
  CHECK(seen.at(0).at("buttons").empty());
  for (auto& row : chromium.call({{"cmd", "jobs"}}).at("rows"))
    CHECK(row.at("buttons").empty());
  auto refused = chromium.call({{"cmd", "post"},
                                {"path", "/api/v1/nodes/w1/drain"},
                                {"confirm", "drain"}});
  INFO(refused.dump());
  CHECK(refused.at("status") == 403);
  auto still = chromium.call({{"cmd", "workers"}}).at("rows");
  CHECK(row_of(still, "w1").at("state") == "ready");
  for (auto& error : refused.at("page_errors")) // the 403 itself, no other
    CHECK_THAT(error.get<std::string>(), Catch::Contains("403"));
  chromium.call({{"cmd", "screenshot"},
                 {"path", test::artifact_path("status-client.png")}});

  cluster.workers.pop_back();
  cluster.stop();
}
