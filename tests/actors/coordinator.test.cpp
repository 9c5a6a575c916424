// The coordinator, workers and client as actors in one process: every input
// is answered exactly once, also when a worker dies holding a batch.
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <map>

#include "actors/client.hpp"
#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "actors/worker.hpp"
#include "messages/errors.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/file_size_limit.hpp"
#include "tests/support/images.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/messages.hpp"
#include "vision/model.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

struct cluster_fixture : test::actor_fixture {
  coordinator_actor coordinator_handle;
  std::vector<worker_actor> workers; ///< stopped with the fixture

  cluster_fixture() {
    coordinator_handle = sys.spawn(coordinator, test_options());
  }

  /// Batches of 8, and a task timeout no test reaches by accident.
  static coordinator_options test_options() {
    coordinator_options options;
    options.scheduling.batch_size = 8;
    options.scheduling.task_timeout = 30s;
    return options;
  }

  /// Replaces the coordinator, before any worker joins, with one of these
  /// options.
  void restart_coordinator(const coordinator_options& options) {
    self->send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
    coordinator_handle = sys.spawn(coordinator, options);
  }

  // Workers first: a worker whose coordinator is gone tries to rejoin it.
  ~cluster_fixture() {
    for (auto& w : workers)
      self->send_exit(w, caf::exit_reason::user_shutdown);
    self->send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
  }

  inference_actor make_engine(const std::string& id) {
    auto loaded = model::load(std::string{FOVEA_SOURCE_DIR}
                              + "/models/fashion-mnist/1");
    REQUIRE(loaded);
    inference_options pipeline;
    pipeline.worker_id = id;
    return spawn_inference(sys, std::move(*loaded), pipeline);
  }

  worker_actor add_worker(const std::string& id) {
    auto engine = make_engine(id);
    worker_options options;
    options.info = test::worker_of(id, "test", "fashion-mnist@1", 2, 10);
    options.local_coordinator = coordinator_handle;
    workers.push_back(sys.spawn(worker, options, engine));
    return workers.back();
  }

  struct job_outcome {
    std::map<uint64_t, std::vector<prediction>> rows; ///< by input index
    std::string error; ///< empty if the client finished without one
  };

  // Runs one job through a client actor. Asserts nothing, so that it can
  // run on another thread than the test's (Catch2 is single-threaded).
  job_outcome run_job(const std::vector<std::string>& paths,
                      const std::string& name = {}) {
    return run_job(inputs_of(paths), name);
  }

  static job_inputs inputs_of(const std::vector<std::string>& paths) {
    std::vector<input_item> inputs;
    for (auto& p : paths)
      inputs.push_back({p, {}});
    return inputs_in_memory(std::move(inputs));
  }

  job_outcome run_job(job_inputs inputs, const std::string& name) {
    job_outcome outcome;
    std::promise<caf::error> done;
    client_options options;
    options.inputs = std::move(inputs);
    options.job_name = name;
    options.local_coordinator = coordinator_handle;
    options.batch_size = 10;
    options.on_row = [&](const prediction& row) {
      outcome.rows[row.index].push_back(row);
    };
    options.on_done = [&](const caf::error& err) { done.set_value(err); };
    sys.spawn(client, options);
    auto finished = done.get_future();
    if (finished.wait_for(60s) != std::future_status::ready)
      outcome.error = "the job did not finish within 60 s";
    else if (auto err = finished.get())
      outcome.error = describe(err);
    return outcome;
  }

  /// Requires a job that ended without error with exactly one row per
  /// input; returns those rows in input order.
  static std::vector<prediction>
  one_row_each(job_outcome outcome, const std::vector<std::string>& paths) {
    REQUIRE(outcome.error == "");
    REQUIRE(outcome.rows.size() == paths.size());
    std::vector<prediction> rows;
    for (auto& [index, answers] : outcome.rows) {
      REQUIRE(answers.size() == 1);
      CHECK(answers[0].path == paths[index]);
      rows.push_back(std::move(answers[0]));
    }
    return rows;
  }
};

// A worker that registers and then dies holding the first batch it gets.
worker_actor::behavior_type crashing_worker(worker_actor::pointer self,
                                            coordinator_actor coordinator) {
  self->request(coordinator, 5s, register_atom::value,
                test::worker_of("doomed", "test", "fashion-mnist@1", 1, 10))
    .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
    [self](classify_atom, std::vector<image_task>&)
      -> caf::result<batch_answer> {
      self->quit(caf::exit_reason::kill);
      return caf::delegated<batch_answer>{};
    },
    [](drain_atom) {},
  };
}

// A worker that fails every batch holding `poison` and classifies the rest
// with a real model: an input that always fails, whoever runs it.
worker_actor::behavior_type picky_worker(worker_actor::pointer self,
                                         coordinator_actor coordinator,
                                         std::string poison,
                                         inference_actor engine) {
  self->link_to(engine);
  self->request(coordinator, 5s, register_atom::value,
                test::worker_of("picky", "test", "fashion-mnist@1", 2, 10))
    .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
    [self, poison, engine](classify_atom, std::vector<image_task>& tasks)
      -> caf::result<batch_answer> {
      for (auto& task : tasks)
        if (task.path == poison)
          return make_error(errc::bad_image, "decoder crashed");
      auto answer = self->make_response_promise<batch_answer>();
      self->request(engine, caf::infinite, classify_atom::value,
                    std::move(tasks))
        .then(
          [answer](std::vector<prediction>& rows) mutable {
            answer.deliver(batch_answer{std::move(rows), 0, 0});
          },
          [answer](caf::error& err) mutable { answer.deliver(err); });
      return answer;
    },
    [](drain_atom) {},
  };
}

// A worker whose model fails every forward pass (out of memory, say): its
// inference pipeline answers each batch with the model's error.
worker_actor::behavior_type failing_model_worker(worker_actor::pointer self,
                                                 coordinator_actor coordinator) {
  self->request(coordinator, 5s, register_atom::value,
                test::worker_of("oom", "test", "fashion-mnist@1", 2, 10))
    .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
    [](classify_atom, std::vector<image_task>&)
      -> caf::result<batch_answer> {
      return make_error(errc::bad_model,
                        "inference failed: std::bad_alloc in forward()");
    },
    [](drain_atom) {},
  };
}

} // namespace

TEST_CASE_METHOD(cluster_fixture,
                 "two workers answer every input of a job exactly once",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("job"), 60);
  paths.push_back("/nonexistent/image.png");
  add_worker("w1");
  add_worker("w2");
  auto [rows, error] = run_job(paths);
  REQUIRE(error == "");
  REQUIRE(rows.size() == paths.size());
  std::map<std::string, int> by_worker;
  for (auto& [index, answers] : rows) {
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].path == paths[index]);
    if (answers[0].ok())
      ++by_worker[answers[0].worker];
  }
  CHECK(rows[60][0].error.find("cannot read") != std::string::npos);
  CHECK(by_worker.size() == 2);
  CHECK(by_worker["w1"] + by_worker["w2"] == 60);
}

TEST_CASE_METHOD(cluster_fixture,
                 "inputs that change between their count and their pass fail "
                 "the job",
                 "[unit]") {
  // The client counts its inputs before it submits and reads them after:
  // a list edited in between must not put other files under the indices
  // the coordinator (and a journal) already holds.
  auto paths = test::write_pattern_pngs(test::fresh_dir("changed"), 30);
  add_worker("w1");
  auto counted = inputs_of(paths);
  auto changed = paths;
  SECTION("fewer") { changed.pop_back(); }
  SECTION("more") { changed.push_back(paths.front()); }
  SECTION("the same number, one other") { changed[29] = paths[0]; }
  counted.open = inputs_of(changed).open;
  auto outcome = run_job(counted, {});
  CHECK(outcome.error.find("the inputs changed while the job ran")
        != std::string::npos);
  CHECK(outcome.rows.size() < paths.size());
}

TEST_CASE_METHOD(cluster_fixture,
                 "a worker that dies holding a batch loses no input",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("crash"), 40);
  auto doomed = sys.spawn(crashing_worker, coordinator_handle);
  self->monitor(doomed);
  // Start the job while only the doomed worker is there, so it gets a batch.
  auto job = std::async(std::launch::async, [&] { return run_job(paths); });
  // Killed by its first batch, not gone because its registration failed
  // (it quits normally then): only the batch's death tests anything.
  self->receive(
    [](caf::down_msg& down) { REQUIRE(down.reason == caf::exit_reason::kill); },
    caf::after(30s) >> [] { FAIL("the worker never got work"); });
  add_worker("survivor");
  for (auto& row : one_row_each(job.get(), paths)) {
    CHECK(row.ok());
    CHECK(row.worker == "survivor");
  }
}

TEST_CASE_METHOD(cluster_fixture,
                 "an input that always fails becomes a poison row after "
                 "max-attempts, and takes no other input with it",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("poison"), 40);
  const auto poison = paths[13];
  auto loaded = model::load(std::string{FOVEA_SOURCE_DIR}
                            + "/models/fashion-mnist/1");
  REQUIRE(loaded);
  inference_options pipeline;
  pipeline.worker_id = "picky";
  auto engine = spawn_inference(sys, std::move(*loaded), pipeline);
  workers.push_back(sys.spawn(picky_worker, coordinator_handle, poison,
                              engine));
  for (auto& row : one_row_each(run_job(paths), paths)) {
    INFO(row.path << ": " << row.error);
    if (row.path == poison) {
      CHECK(row.error.rfind("poison: failed on all 3 attempts", 0) == 0);
      CHECK(row.error.find("decoder crashed") != std::string::npos);
    } else {
      CHECK(row.ok());
    }
  }
}

TEST_CASE_METHOD(cluster_fixture,
                 "a task over the coordinator's byte limit is an error row",
                 "[unit]") {
  // A coordinator of its own with a tiny limit; the fixture's stays idle.
  coordinator_options options;
  options.max_image_bytes = 100;
  auto strict = sys.spawn(coordinator, options);
  image_task task;
  task.job = 0;
  task.path = "big.png";
  task.bytes.assign(101, 0);
  auto job = self->request(strict, 5s, submit_atom::value,
                           test::job_of("limits", 1));
  uint64_t id = 0;
  job.receive([&](uint64_t x) { id = x; },
              [](caf::error& e) { FAIL(describe(e)); });
  task.job = id;
  std::vector<image_task> tasks{task};
  self->request(strict, 5s, enqueue_atom::value, id, tasks)
    .receive([](uint64_t accepted) { CHECK(accepted == 1); },
             [](caf::error& e) { FAIL(describe(e)); });
  self->receive(
    [&](result_atom, uint64_t job_id, std::vector<prediction>& rows) {
      CHECK(job_id == id);
      REQUIRE(rows.size() == 1);
      CHECK(rows[0].error == "file too large: 101 bytes (limit 100)");
    },
    caf::after(5s) >> [] { FAIL("no result row for the oversized task"); });
  self->send_exit(strict, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(cluster_fixture,
                 "a journal that cannot be written stops its job with the "
                 "reason, and the coordinator stays up",
                 "[unit]") {
  auto dir = test::fresh_dir("journal-fails");
  // More images than a journal buffers (512 records) before it must sync:
  // a fast worker could otherwise answer all of a small job before the
  // first sync, and the client would hold every row by the time it fails.
  auto paths = test::write_pattern_pngs(dir / "images", 1000);
  auto options = test_options();
  options.journal_dir = (dir / "journal").string();
  std::filesystem::create_directories(options.journal_dir);
  restart_coordinator(options);
  add_worker("w1");
  job_outcome outcome;
  {
    // The images are written already, and each is far below the limit.
    test::file_size_limit full_disk{4096};
    REQUIRE(full_disk.applied());
    outcome = run_job(paths, "doomed");
  }
  CHECK(outcome.error.find("cannot write journal") != std::string::npos);
  CHECK(outcome.rows.size() < paths.size());
  // The coordinator is still there: a job without a journal goes through.
  auto again = run_job({paths[0], paths[1]});
  CHECK(again.error == "");
  CHECK(again.rows.size() == 2);
}

TEST_CASE_METHOD(cluster_fixture,
                 "a worker whose forward pass fails has its batches retried "
                 "on a healthy worker, and no row says the model failed",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("oom"), 60);
  // Both workers are there when the job starts: with the failing one
  // alone, every input would fail alone on it (max-attempts times: poison).
  auto registered = std::make_shared<test::event_count>();
  auto options = test_options();
  options.say = [registered](const std::string& line) {
    if (line.find(" registered from ") != std::string::npos)
      registered->add();
  };
  restart_coordinator(options);
  workers.push_back(sys.spawn(failing_model_worker, coordinator_handle));
  add_worker("healthy");
  REQUIRE(registered->wait_for(2, 30s));
  for (auto& row : one_row_each(run_job(paths), paths)) {
    INFO(row.path << ": " << row.error);
    CHECK(row.ok());
    CHECK(row.worker == "healthy");
  }
}

TEST_CASE_METHOD(cluster_fixture,
                 "a byte budget of a few images paces the client, and the "
                 "job still gets every row once",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("queue-bytes"), 120);
  auto options = test_options();
  // Room for three tasks at a time: the client sends within its credit and
  // asks for more as rows come back.
  options.scheduling.max_queued_tasks = 3;
  options.scheduling.max_queued_bytes = 3 * 65536;
  restart_coordinator(options);
  add_worker("w1");
  add_worker("w2");
  for (auto& row : one_row_each(run_job(paths), paths))
    CHECK(row.ok());
}

TEST_CASE_METHOD(cluster_fixture,
                 "an image larger than the whole byte budget is that "
                 "input's error row, and the rest of the job goes on",
                 "[unit]") {
  auto dir = test::fresh_dir("over-budget");
  auto paths = test::write_pattern_pngs(dir, 20);
  auto large = (dir / "large.png").string();
  std::ofstream{large, std::ios::binary} << std::string(300000, 'x');
  paths.push_back(large);
  auto options = test_options();
  options.scheduling.max_queued_bytes = 256 * 1024;
  restart_coordinator(options);
  add_worker("w1");
  for (auto& row : one_row_each(run_job(paths), paths)) {
    if (row.path == large)
      CHECK_THAT(row.error, Catch::Contains("more than the coordinator holds "
                                            "in all (262144 bytes, "
                                            "fovea.max-queued-bytes)"));
    else
      CHECK(row.ok());
  }
}
