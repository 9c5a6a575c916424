// fovea.log-format = "json": each of a node's lines one JSON object with
// time, level, node, event, message and the job's or worker's fields; read
// back by Python's json module from a real cluster's output, and the
// events table checked line by line.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>

#include "app/log_line.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;

TEST_CASE("a log line's event and fields are read off its phrases",
          "[unit][log]") {
  struct row {
    const char* line;
    const char* event;
    const char* job_id;
    const char* job_name;
    const char* worker;
  };
  const row table[] = {
    {"fovea coordinator c1 ready on 127.0.0.1:4242", "ready", "", "", ""},
    {"fovea worker w1 ready: registered with 127.0.0.1:4242 coordinator "
     "(model fashion-mnist@1, slots 4)",
     "ready", "", "", "w1"},
    {"c1: worker w2 registered from 127.0.0.1:5000 (model m@1, slots 4)",
     "worker_registered", "", "", "w2"},
    {"c1: job 7 (labelling) opened by alice: 10 inputs", "job_opened", "7",
     "labelling", ""},
    {"c1: job 7 (labelling) finished: 10 inputs", "job_finished", "7",
     "labelling", ""},
    {"c1: job 8 (x) failed: the journal cannot be written", "job_failed", "8",
     "x", ""},
    {"c1: worker w3 lost (connection lost); the 2 batches it held are "
     "retried",
     "worker_lost", "", "", "w3"},
    {"fovea worker w1: draining (finishing the batches it holds)",
     "draining", "", "", "w1"},
    {"fovea worker w1 stopped", "stopped", "", "", "w1"},
    {"something else entirely", "log", "", "", ""},
  };
  for (auto& r : table) {
    INFO(r.line);
    auto got = classify_log_line(r.line);
    CHECK(got.event == r.event);
    CHECK(got.job_id == r.job_id);
    CHECK(got.job_name == r.job_name);
    CHECK(got.worker == r.worker);
  }
}

TEST_CASE("a JSON log line escapes what it carries", "[unit][log]") {
  auto when = std::chrono::system_clock::time_point{
    std::chrono::milliseconds{1764633600123}}; // 2025-12-02T00:00:00.123Z
  auto line = json_log_line("say \"hi\"\t\x01 \xff caf\xc3\xa9",
                            log_level::warning, "n\\1", when);
  CHECK(line
        == "{\"time\":\"2025-12-02T00:00:00.123Z\",\"level\":\"warning\","
           "\"node\":\"n\\\\1\",\"event\":\"log\",\"message\":\"say "
           "\\\"hi\\\"\\t\\u0001 \\ufffd caf\xc3\xa9\"}");
}

TEST_CASE("nodes with fovea.log-format = json print one JSON object per "
          "line through a job",
          "[integration][log]") {
  auto dir = test::fresh_dir("json-log");
  test::write_pattern_pngs(dir / "images", 20);
  test::local_cluster cluster{1, {"--fovea.log-format=json"},
                              {"--fovea.log-format=json"}};
  auto ran = test::run_fovea({"submit", "--coordinator", cluster.address,
                              (dir / "images").string(), "--out",
                              (dir / "results.csv").string(), "--job", "j"},
                             120s);
  INFO(ran.second);
  REQUIRE(ran.first == 0);
  cluster.stop();
  auto log = dir / "nodes.log";
  std::ofstream{log} << cluster.coordinator->output()
                     << cluster.workers[0]->output();
  // Python's json module reads every line, and prints the events seen.
  auto [code, events] = test::run_command(
    "/usr/bin/python3 -c 'import json, sys\n"
    "for l in open(sys.argv[1]):\n"
    "    o = json.loads(l)\n"
    "    assert set(o) >= {\"time\", \"level\", \"node\", \"event\", "
    "\"message\"}, o\n"
    "    print(o[\"node\"], o[\"event\"], o.get(\"fields\", {}).get(\"job_name\", \"\"))' "
      + log.string(),
    60);
  INFO(events);
  REQUIRE(code == 0);
  CHECK_THAT(events, Catch::Contains("coord ready"));
  CHECK_THAT(events, Catch::Contains("w1 ready"));
  CHECK_THAT(events, Catch::Contains("coord worker_registered"));
  CHECK_THAT(events, Catch::Contains("coord job_opened j"));
  CHECK_THAT(events, Catch::Contains("coord job_finished j"));
  CHECK_THAT(events, Catch::Contains("w1 stopped"));
}
