// Every message type survives CAF's binary serializer unchanged: what one
// node sends is what the other receives.
#include <catch2/catch.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "messages/interfaces.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/messages.hpp"

using namespace fovea;

namespace {

template <class T>
T round_trip(caf::actor_system& sys, T value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink(value));
  T copy;
  caf::binary_deserializer source{sys, buf};
  REQUIRE_FALSE(source(copy));
  return copy;
}

image_task sample_task() {
  image_task task;
  task.job = 7;
  task.index = 123456789012ull;
  task.attempt = 3;
  task.path = "dir with space/é,quoted\".png";
  task.bytes = {0x89, 'P', 'N', 'G', 0, 255};
  task.error = "";
  return task;
}

prediction sample_prediction() {
  prediction row;
  row.job = 7;
  row.index = 42;
  row.attempt = 1;
  row.path = "a/b.png";
  row.label = 9;
  row.class_name = "Ankle boot";
  row.score = 0.875f;
  row.worker = "host-123";
  row.error = "";
  return row;
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "every message type round-trips through CAF's serializer",
                 "[unit]") {
  SECTION("image_task") {
    auto task = sample_task();
    auto copy = round_trip(sys, task);
    CHECK(copy.job == task.job);
    CHECK(copy.index == task.index);
    CHECK(copy.attempt == task.attempt);
    CHECK(copy.path == task.path);
    CHECK(copy.bytes == task.bytes);
    CHECK(copy.error == task.error);
  }
  SECTION("image_task carrying a client-side error") {
    auto task = sample_task();
    task.bytes.clear();
    task.error = "no such file";
    CHECK(round_trip(sys, task).error == "no such file");
  }
  SECTION("prediction") {
    auto row = sample_prediction();
    auto copy = round_trip(sys, row);
    CHECK(copy.job == row.job);
    CHECK(copy.index == row.index);
    CHECK(copy.attempt == row.attempt);
    CHECK(copy.path == row.path);
    CHECK(copy.label == row.label);
    CHECK(copy.class_name == row.class_name);
    CHECK(copy.score == row.score);
    CHECK(copy.worker == row.worker);
    CHECK(copy.ok());
  }
  SECTION("worker_info") {
    worker_info info{"w1", "host", "fashion-mnist@1", 4, 10,
                     std::string(64, 'e'), 7, 28, 27, 1,
                     std::vector<std::string>(10, "Dress")};
    info.labels[9] = "Ankle boot";
    auto copy = round_trip(sys, info);
    CHECK(copy.id == "w1");
    CHECK(copy.host == "host");
    CHECK(copy.model == "fashion-mnist@1");
    CHECK(copy.slots == 4u);
    CHECK(copy.classes == 10u);
    CHECK(copy.model_digest == std::string(64, 'e'));
    CHECK(copy.protocol == 7u);
    CHECK(copy.width == 28u);
    CHECK(copy.height == 27u);
    CHECK(copy.channels == 1u);
    CHECK(copy.labels == info.labels);
  }
  SECTION("job_spec") {
    auto spec = test::job_of("nightly", 200000);
    spec.fingerprint = 42;
    spec.contents = 43;
    spec.protocol = 7;
    spec.model = "fashion-mnist@2";
    spec.top_k = 5;
    auto copy = round_trip(sys, spec);
    CHECK(copy.name == "nightly");
    CHECK(copy.total == 200000u);
    CHECK(copy.fingerprint == 42u);
    CHECK(copy.contents == 43u);
    CHECK(copy.protocol == 7u);
    CHECK(copy.model == "fashion-mnist@2");
    CHECK(copy.top_k == 5u);
  }
  SECTION("job_credit") {
    auto copy = round_trip(sys, job_credit{3, 1 << 20, 65536, 1 << 28});
    CHECK(copy.job == 3u);
    CHECK(copy.granted == 1u << 20);
    CHECK(copy.task_floor == 65536u);
    CHECK(copy.ceiling == 1u << 28);
  }
  SECTION("node_row and job_row, as the shell receives them") {
    node_row node;
    node.id = "w1";
    node.role = node_role::worker;
    node.host = "rack-4";
    node.address = "10.0.0.7:53211";
    node.model = "fashion-mnist@1";
    node.slots = 4;
    node.in_flight = 3;
    node.done = 1u << 20;
    node.rate = 2341.5;
    node.up_since = 1795000000;
    node.draining = true;
    job_row job;
    job.id = 12;
    job.name = "nightly";
    job.state = job_state::paused;
    job.total = 200000;
    job.done = 150000;
    job.errors = 7;
    job.rate = 2300.25;
    job.started = 1795000100;
    job.seconds = 65.5;
    job.share = 0.25;
    job.model = "fashion-mnist@2";
    job.note = "waits for a worker serving fashion-mnist@2";
    job.owner = "alice";
    auto msg = round_trip(sys, caf::make_message(std::vector<node_row>{node},
                                                 std::vector<job_row>{job}));
    REQUIRE(msg.match_elements<std::vector<node_row>, std::vector<job_row>>());
    auto& nodes = msg.get_as<std::vector<node_row>>(0);
    REQUIRE(nodes.size() == 1);
    CHECK(nodes[0].id == node.id);
    CHECK(nodes[0].role == node.role);
    CHECK(nodes[0].host == node.host);
    CHECK(nodes[0].address == node.address);
    CHECK(nodes[0].model == node.model);
    CHECK(nodes[0].slots == node.slots);
    CHECK(nodes[0].in_flight == node.in_flight);
    CHECK(nodes[0].done == node.done);
    CHECK(nodes[0].rate == node.rate);
    CHECK(nodes[0].up_since == node.up_since);
    CHECK(nodes[0].draining);
    auto& jobs = msg.get_as<std::vector<job_row>>(1);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].id == job.id);
    CHECK(jobs[0].name == job.name);
    CHECK(jobs[0].state == job.state);
    CHECK(jobs[0].total == job.total);
    CHECK(jobs[0].done == job.done);
    CHECK(jobs[0].errors == job.errors);
    CHECK(jobs[0].rate == job.rate);
    CHECK(jobs[0].started == job.started);
    CHECK(jobs[0].seconds == job.seconds);
    CHECK(jobs[0].share == job.share);
    CHECK(jobs[0].model == job.model);
    CHECK(jobs[0].note == job.note);
    CHECK(jobs[0].owner == job.owner);
  }
  SECTION("decoded_batch") {
    decoded_batch batch;
    batch.rows = {sample_prediction(), sample_prediction()};
    batch.rows[1].error = "bad_image: truncated PNG";
    batch.images = {0};
    batch.inputs = {-0.5f, 0.0f, 1.25f};
    auto copy = round_trip(sys, batch);
    REQUIRE(copy.rows.size() == 2);
    CHECK(copy.rows[0].path == "a/b.png");
    CHECK(copy.rows[1].error == "bad_image: truncated PNG");
    CHECK(copy.images == batch.images);
    CHECK(copy.inputs == batch.inputs);
  }
  SECTION("batches, as whole messages with their atoms") {
    std::vector<image_task> batch{sample_task(), sample_task()};
    batch[1].index = 5;
    auto msg = caf::make_message(classify_atom::value, batch);
    auto copy = round_trip(sys, msg);
    REQUIRE(copy.match_elements<classify_atom, std::vector<image_task>>());
    auto& tasks = copy.get_as<std::vector<image_task>>(1);
    REQUIRE(tasks.size() == 2);
    CHECK(tasks[1].index == 5u);
    CHECK(tasks[0].bytes == batch[0].bytes);
    std::vector<prediction> rows{sample_prediction()};
    auto reply = round_trip(sys, caf::make_message(rows));
    REQUIRE(reply.match_elements<std::vector<prediction>>());
    CHECK(reply.get_as<std::vector<prediction>>(0)[0].class_name
          == "Ankle boot");
  }
}
