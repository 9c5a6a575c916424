// The coordinator's deadlines on CAF's test coordinator: time moves only
// when the test advances it, so a batch is late, or a worker hung, exactly
// when the test says, however busy the machine is. The workers here answer
// at once with made-up labels, or never.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/client.hpp"
#include "actors/coordinator.hpp"
#include "messages/errors.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/images.hpp"
#include "tests/support/messages.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

// What the test's workers saw, by worker id: batches taken, batches held
// unanswered and the inputs in those; and how many workers have ended.
struct worker_log {
  std::map<std::string, int> batches;
  std::map<std::string, int> stalled;
  std::map<std::string, size_t> stalled_inputs;
  int gone = 0;
};

struct scripted_state {
  std::vector<caf::typed_response_promise<batch_answer>> held;
};

// A worker that never answers a batch holding `stall_on` ("*": any batch),
// as one stuck in a decoder would, and answers every other batch at once
// with label 0 (a fake model of 10 classes).
worker_actor::behavior_type
scripted_worker(worker_actor::stateful_pointer<scripted_state> self,
                coordinator_actor coordinator, std::string id, uint32_t slots,
                std::string stall_on, std::shared_ptr<worker_log> log) {
  self->attach_functor([log] { ++log->gone; });
  self->request(coordinator, 5s, register_atom::value,
                test::worker_of(id, "test", "fashion-mnist@1", slots, 10))
    .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
    [self, id, stall_on, log](classify_atom, std::vector<image_task>& tasks)
      -> caf::result<batch_answer> {
      ++log->batches[id];
      for (auto& task : tasks)
        if (stall_on == "*" || task.path == stall_on) {
          ++log->stalled[id];
          log->stalled_inputs[id] += tasks.size();
          self->state.held.push_back(
            self->make_response_promise<batch_answer>());
          return self->state.held.back();
        }
      std::vector<prediction> rows;
      for (auto& task : tasks) {
        auto& row = rows.emplace_back();
        row.job = task.job;
        row.index = task.index;
        row.label = 0;
        row.class_name = "zero";
        row.score = 1;
      }
      return batch_answer{std::move(rows), 0, 0};
    },
    [](drain_atom) {},
  };
}

struct deadline_fixture : test::deterministic_fixture {
  std::shared_ptr<worker_log> log = std::make_shared<worker_log>();
  coordinator_actor coordinator_handle;
  std::map<uint64_t, std::vector<prediction>> rows; ///< by input index
  std::optional<std::string> ended; ///< "" once the job ended well
  std::vector<caf::actor> spawned; ///< stopped with the fixture

  void start_coordinator(coordinator_options options) {
    options.scheduling.batch_size = 8;
    coordinator_handle = sys.spawn(coordinator, std::move(options));
    run();
  }

  void add_worker(const std::string& id, uint32_t slots,
                  const std::string& stall_on = {}) {
    spawned.push_back(caf::actor_cast<caf::actor>(
      sys.spawn(scripted_worker, coordinator_handle, id, slots, stall_on, log)));
    run();
  }

  void start_job(const std::vector<std::string>& paths) {
    std::vector<input_item> inputs;
    for (auto& p : paths)
      inputs.push_back({p, {}});
    client_options options;
    options.inputs = inputs_in_memory(std::move(inputs));
    options.local_coordinator = coordinator_handle;
    options.batch_size = 10;
    options.on_row = [this](const prediction& row) {
      rows[row.index].push_back(row);
    };
    options.on_done = [this](const caf::error& err) {
      ended = err ? describe(err) : "";
    };
    spawned.push_back(caf::actor_cast<caf::actor>(sys.spawn(client, options)));
    run();
  }

  // The actor system waits for every actor to end: here, only once the
  // test has run their exits.
  ~deadline_fixture() {
    for (auto& actor : spawned)
      anon_send_exit(actor, caf::exit_reason::user_shutdown);
    anon_send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
    run();
  }
};

} // namespace

TEST_CASE_METHOD(deadline_fixture,
                 "a batch its worker never answers is copied to another "
                 "worker exactly at the task timeout, and the silent worker "
                 "gets no more work",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("stuck"), 40);
  coordinator_options options;
  options.scheduling.task_timeout = 30s;
  options.scheduling.hang_timeout = 10min; // not this test's subject
  start_coordinator(options);
  // Only the stuck worker is there when the job starts: it takes a batch.
  add_worker("stuck", 1, "*");
  start_job(paths);
  CHECK(log->batches["stuck"] == 1);
  CHECK(rows.empty());
  // A healthy worker does the rest; the stuck batch's inputs wait.
  add_worker("w1", 2);
  auto waiting = log->stalled_inputs["stuck"];
  CHECK(waiting > 0);
  CHECK(rows.size() == paths.size() - waiting);
  // Its deadline has not passed: nothing is copied, however long the
  // actors run.
  advance(29s);
  CHECK(rows.size() == paths.size() - waiting);
  CHECK_FALSE(ended);
  // Past it, at the next sweep (a quarter of the timeout at most 1 s).
  advance(1s + 1s);
  REQUIRE(ended == std::optional<std::string>{""});
  REQUIRE(rows.size() == paths.size());
  for (auto& [index, answers] : rows) {
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].ok());
    CHECK(answers[0].worker == "w1");
  }
  CHECK(log->batches["stuck"] == 1); // one slot, never given back
  CHECK(log->gone == 0);
}

TEST_CASE_METHOD(deadline_fixture,
                 "an input that hangs every worker it reaches: each is let "
                 "go at the hang timeout, and the input is poison only once "
                 "it has hung max-attempts workers alone",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("hang"), 40);
  const auto poison = paths[21];
  coordinator_options options;
  options.scheduling.task_timeout = 200ms;
  options.scheduling.hang_timeout = 600ms;
  options.scheduling.max_attempts = 2;
  start_coordinator(options);
  int spawned = 0;
  auto spawn_one = [&] {
    add_worker("s" + std::to_string(++spawned), 2, poison);
  };
  spawn_one();
  spawn_one();
  start_job(paths);
  // Every input has its row but those of the batch holding the poison.
  auto held = log->stalled_inputs["s1"] + log->stalled_inputs["s2"];
  CHECK(held > 0);
  CHECK(rows.size() == paths.size() - held);
  CHECK(log->gone == 0);
  // Short of the hang timeout, the late batch is copied to the other worker,
  // which hangs on it too; nobody is let go yet.
  advance(550ms);
  CHECK(log->gone == 0);
  CHECK(log->stalled["s1"] + log->stalled["s2"] == 2);
  // From here on, each step passes the hang timeout: the workers holding
  // it are let go and replaced, as a service manager restarts a node.
  for (int step = 0; step < 10 && !ended; ++step) {
    advance(options.scheduling.hang_timeout);
    while (spawned - 2 < log->gone)
      spawn_one();
  }
  REQUIRE(ended == std::optional<std::string>{""});
  // Two workers hung on it in a batch with others, then two alone.
  CHECK(log->gone == 4);
  REQUIRE(rows.size() == paths.size());
  for (auto& [index, answers] : rows) {
    REQUIRE(answers.size() == 1);
    INFO(answers[0].path << ": " << answers[0].error);
    if (answers[0].path == poison)
      CHECK(answers[0].error.find(" attempts alone on a worker (last: worker s")
            != std::string::npos);
    else
      CHECK(answers[0].ok());
  }
}
