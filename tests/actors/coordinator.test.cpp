// The coordinator, workers and client as actors in one process: every input
// is answered exactly once, also when a worker dies holding a batch.
#include <catch2/catch.hpp>

#include <future>
#include <map>

#include "actors/client.hpp"
#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "actors/worker.hpp"
#include "messages/errors.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/images.hpp"
#include "vision/model.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

struct cluster_fixture : test::actor_fixture {
  coordinator_actor coordinator_handle;
  std::vector<worker_actor> workers; ///< stopped with the fixture

  cluster_fixture() {
    coordinator_options options;
    options.batch_size = 8;
    options.task_timeout = 30s;
    coordinator_handle = sys.spawn(coordinator, options);
  }

  // Workers first: a worker whose coordinator is gone tries to rejoin it.
  ~cluster_fixture() {
    for (auto& w : workers)
      self->send_exit(w, caf::exit_reason::user_shutdown);
    self->send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
  }

  worker_actor add_worker(const std::string& id) {
    auto loaded = model::load(std::string{FOVEA_SOURCE_DIR}
                              + "/models/fashion-mnist");
    REQUIRE(loaded);
    auto engine = sys.spawn(inference,
                            std::make_shared<classifier>(std::move(*loaded), id));
    worker_options options;
    options.info = worker_info{id, "test", "fashion-mnist 1", 2};
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
  job_outcome run_job(const std::vector<std::string>& paths) {
    auto inputs = std::make_shared<std::vector<input_item>>();
    for (auto& p : paths)
      inputs->push_back({p, {}});
    job_outcome outcome;
    std::promise<caf::error> done;
    client_options options;
    options.inputs = inputs;
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
};

// A worker that registers and then dies holding the first batch it gets.
worker_actor::behavior_type crashing_worker(worker_actor::pointer self,
                                            coordinator_actor coordinator) {
  self->request(coordinator, 5s, register_atom::value,
                worker_info{"doomed", "test", "fashion-mnist 1", 1})
    .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
    [self](classify_atom, std::vector<image_task>&)
      -> caf::result<std::vector<prediction>> {
      self->quit(caf::exit_reason::kill);
      return caf::delegated<std::vector<prediction>>{};
    },
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
                 "a worker that dies holding a batch loses no input",
                 "[unit]") {
  auto paths = test::write_pattern_pngs(test::fresh_dir("crash"), 40);
  auto doomed = sys.spawn(crashing_worker, coordinator_handle);
  self->monitor(doomed);
  // Start the job while only the doomed worker is there, so it gets a batch.
  auto job = std::async(std::launch::async, [&] { return run_job(paths); });
  self->receive([](caf::down_msg&) {},
                caf::after(30s) >> [] { FAIL("the worker never got work"); });
  add_worker("survivor");
  auto [rows, error] = job.get();
  REQUIRE(error == "");
  REQUIRE(rows.size() == paths.size());
  for (auto& [index, answers] : rows) {
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].ok());
    CHECK(answers[0].worker == "survivor");
  }
}
