// The status API's JSON: every field the docs name, arbitrary text escaped
// so no markup survives, numbers always finite.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "app/status_json.hpp"

using namespace fovea;
using nlohmann::json;

TEST_CASE("the status API's JSON carries arbitrary text as inert strings and "
          "every number finite",
          "[unit][status]") {
  node_row worker;
  worker.id = "w1";
  worker.host = "<script>alert(1)</script> & \"quoted\" \xff";
  worker.model = "fashion-mnist@1";
  worker.slots = 8;
  worker.in_flight = 2;
  worker.rate = std::numeric_limits<double>::quiet_NaN();
  worker.draining = true;
  node_row coordinator;
  coordinator.id = "coord";
  coordinator.role = node_role::coordinator;
  auto text = nodes_json({coordinator, worker});
  // No markup a browser could act on, even if it read this as HTML.
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  CHECK(text.find('&') == std::string::npos);
  auto nodes = json::parse(text).at("nodes");
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].at("state") == "up");
  CHECK(nodes[0].at("role") == "coordinator");
  CHECK(nodes[1].at("state") == "draining");
  CHECK(nodes[1].at("host") == "<script>alert(1)</script> & \"quoted\" \xef\xbf\xbd");
  CHECK(nodes[1].at("rate") == 0.0);
  CHECK(nodes[1].at("slots") == 8);
  CHECK(nodes[1].at("in_flight") == 2);

  auto error = json::parse(error_json("no file </etc/passwd>"));
  CHECK(error.at("error") == "no file </etc/passwd>");
}

TEST_CASE("a job's ETA is its rest at its rate while it runs, and unknown "
          "otherwise",
          "[unit][status]") {
  job_row job;
  job.id = 3;
  job.name = "nightly";
  job.total = 1000;
  job.done = 400;
  job.rate = 200;
  CHECK(eta_seconds(job) == 3.0);
  auto listed = json::parse(jobs_json({job})).at("jobs").at(0);
  CHECK(listed.at("eta_seconds") == 3.0);
  CHECK(listed.at("state") == "running");
  CHECK(listed.at("done") == 400);
  job.rate = 0;
  CHECK(eta_seconds(job) == -1);
  job.rate = 200;
  job.state = job_state::finished;
  CHECK(eta_seconds(job) == -1);
}

TEST_CASE("the models list counts the running jobs bound to each "
          "name@version",
          "[unit][status]") {
  served_model one{"fashion-mnist", "1", 10, 28, 28, 1, {}, 2};
  served_model two{"fashion-mnist", "2", 10, 28, 28, 1, {}, 1};
  job_row a, b, c;
  a.model = b.model = "fashion-mnist@1";
  c.model = "fashion-mnist@1";
  c.state = job_state::finished;
  auto models = json::parse(models_json({one, two}, {a, b, c})).at("models");
  REQUIRE(models.size() == 2);
  CHECK(models[0].at("jobs_running") == 2);
  CHECK(models[0].at("workers") == 2);
  CHECK(models[1].at("version") == "2");
  CHECK(models[1].at("jobs_running") == 0);
}

TEST_CASE("the events list says which number to ask after next",
          "[unit][status]") {
  cluster_event joined{7, 1000, event_kind::worker_joined, "worker w1 registered"};
  cluster_event poison{8, 2000, event_kind::poison,
                       "job 1: /data/<b>x</b>.png is poison: killed"};
  auto list = json::parse(events_json({joined, poison}, 6));
  CHECK(list.at("last") == 8);
  REQUIRE(list.at("events").size() == 2);
  CHECK(list.at("events")[0].at("kind") == "worker-joined");
  CHECK(list.at("events")[1].at("kind") == "poison");
  CHECK(list.at("events")[1].at("text")
        == "job 1: /data/<b>x</b>.png is poison: killed");
  CHECK(json::parse(events_json({}, 8)).at("last") == 8);
}

TEST_CASE("the queue is its numbers against its limits", "[unit][status]") {
  queue_view q{.tasks = 12, .tasks_limit = 16384, .bytes = 5000,
               .bytes_limit = 1 << 20, .batches_in_flight = 3,
               .online_requests = 1, .online_bytes = 700};
  auto got = json::parse(queue_json(q));
  CHECK(got == json{{"tasks", 12}, {"tasks_limit", 16384}, {"bytes", 5000},
                    {"bytes_limit", 1 << 20}, {"batches_in_flight", 3},
                    {"online_requests", 1}, {"online_bytes", 700}});
}

TEST_CASE("the whole status is each list as its own answer has it",
          "[unit][status]") {
  status_snapshot s;
  node_row worker;
  worker.id = "w1";
  worker.model = "fashion-mnist@1";
  s.nodes = {worker};
  job_row job;
  job.id = 3;
  job.name = "nightly";
  job.model = "fashion-mnist@1";
  s.jobs = {job};
  s.models = {served_model{"fashion-mnist", "1", 10, 28, 28, 1, {}, 1}};
  s.queue.tasks = 7;
  s.events = {cluster_event{5, 1000, event_kind::job_opened, "job 3 <x>"}};
  auto whole = json::parse(status_json(s, 4));
  CHECK(whole.at("nodes") == json::parse(nodes_json(s.nodes)).at("nodes"));
  CHECK(whole.at("jobs") == json::parse(jobs_json(s.jobs)).at("jobs"));
  CHECK(whole.at("models")
        == json::parse(models_json(s.models, s.jobs)).at("models"));
  CHECK(whole.at("queue") == json::parse(queue_json(s.queue)));
  auto events = json::parse(events_json(s.events, 4));
  CHECK(whole.at("events") == events.at("events"));
  CHECK(whole.at("last") == 5);
  CHECK(status_json(s, 4).find('<') == std::string::npos);
}
