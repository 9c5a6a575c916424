// Work in flight without waiting for answers, counted by events on CAF's
// test coordinator: a client keeps several enqueues in flight within its
// byte credit, and a coordinator keeps a worker's whole credit in flight,
// growing it while the worker starves. A round trip's length then bounds
// neither (bench/run latency measures the rates through a delaying relay).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/client.hpp"
#include "actors/coordinator.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/images.hpp"
#include "tests/support/messages.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

// What a stand-in coordinator saw of its client.
struct intake_log {
  int enqueues = 0;
  size_t tasks = 0;
  int asks = 0;
};

constexpr uint64_t task_floor = 1000; // every small test image costs this
constexpr uint64_t ceiling = 1'000'000;

// A coordinator that opens job 7, grants `first_grant` and never answers an
// enqueue: whatever the client sends, it sent without an answer.
caf::behavior stand_in_coordinator(caf::event_based_actor* self,
                                   std::shared_ptr<intake_log> log,
                                   uint64_t first_grant) {
  return {
      [=](submit_atom, const job_spec&) {
        // The id first, then the credit, as a coordinator sends them.
        auto client = caf::actor_cast<caf::actor>(self->current_sender());
        auto promise = self->make_response_promise<uint64_t>();
        promise.deliver(uint64_t{7});
        self->send(client, credit_atom::value,
                   job_credit{7, 0, task_floor, ceiling});
        self->send(client, credit_atom::value,
                   job_credit{7, first_grant, task_floor, ceiling});
        return promise;
      },
      [=](enqueue_atom, uint64_t, std::vector<image_task>& tasks) {
        ++log->enqueues;
        log->tasks += tasks.size();
        // Kept unanswered for as long as the actor lives.
        return self->make_response_promise<uint64_t>();
      },
      [=](credit_atom, uint64_t, uint64_t, uint64_t) { ++log->asks; },
  };
}

// A worker that holds every batch until told "release", then answers each
// held batch as a worker that had starved for 5 ms.
struct holding_state {
  std::vector<std::pair<caf::response_promise, std::vector<image_task>>> held;
  int batches = 0;
};

caf::behavior holding_worker(caf::stateful_actor<holding_state>* self,
                             coordinator_actor coordinator, uint32_t slots) {
  self->request(coordinator, 5s, register_atom::value,
                test::worker_of("far", "test", "fashion-mnist@1", slots, 10))
      .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
      [self](classify_atom, std::vector<image_task>& tasks) {
        ++self->state.batches;
        self->state.held.emplace_back(self->make_response_promise(),
                                      std::move(tasks));
      },
      [self](const std::string& command) {
        if (command != "release")
          return;
        auto held = std::move(self->state.held);
        for (auto& [promise, tasks] : held) {
          batch_answer answer;
          answer.starved_us = 5000;
          for (auto& task : tasks) {
            auto& row = answer.rows.emplace_back();
            row.job = task.job;
            row.index = task.index;
            row.label = 0;
            row.score = 1;
          }
          promise.deliver(std::move(answer));
        }
      },
  };
}

struct pipelining_fixture : test::deterministic_fixture {
  std::vector<caf::actor> spawned; ///< stopped with the fixture

  void start_client(caf::actor coordinator, size_t inputs, uint32_t batch) {
    auto paths = test::write_pattern_pngs(test::fresh_dir("pipelined"),
                                          static_cast<int>(inputs));
    std::vector<input_item> items;
    for (auto& p : paths)
      items.push_back({p, {}});
    client_options options;
    options.inputs = inputs_in_memory(std::move(items));
    options.local_coordinator = caf::actor_cast<coordinator_actor>(coordinator);
    options.batch_size = batch;
    spawned.push_back(caf::actor_cast<caf::actor>(sys.spawn(client, options)));
    run();
  }

  ~pipelining_fixture() {
    for (auto& actor : spawned)
      anon_send_exit(actor, caf::exit_reason::user_shutdown);
    run();
  }
};

// Asks the coordinator for its nodes table into `out`. A named function
// with arguments, not a capturing lambda: CAF 0.17 spawns an argument-less
// function through a null tuple pointer, which UBSan reports.
void ask_nodes(caf::event_based_actor* self, coordinator_actor coordinator,
               std::vector<node_row>* out) {
  self->request(coordinator, 5s, nodes_atom::value)
    .then([out](std::vector<node_row>& got) { *out = std::move(got); },
          [](caf::error&) {});
}

std::vector<node_row> nodes_of(caf::actor_system& sys,
                               test::deterministic_fixture& f,
                               const coordinator_actor& coordinator) {
  std::vector<node_row> rows;
  sys.spawn(ask_nodes, coordinator, &rows);
  f.run();
  return rows;
}

} // namespace

TEST_CASE_METHOD(pipelining_fixture,
                 "a client keeps as many enqueues in flight as its credit "
                 "allows, and asks for more before it runs out",
                 "[unit]") {
  auto log = std::make_shared<intake_log>();
  // Credit for 30 tasks, in enqueues of 10: three go out, none answered.
  auto coordinator = sys.spawn(stand_in_coordinator, log, 30 * task_floor);
  spawned.push_back(coordinator);
  start_client(coordinator, 200, 10);
  CHECK(log->enqueues == 3);
  CHECK(log->tasks == 30);
  // It asked when the first credit message granted nothing, and, once
  // the grant came, again while it still had some: one ask per answer.
  CHECK(log->asks == 2);
  // Twenty more tasks' credit: two more enqueues, still none answered,
  // and never a task past the credit.
  caf::anon_send(caf::actor_cast<caf::actor>(spawned.back()),
                 credit_atom::value,
                 job_credit{7, 50 * task_floor, task_floor, ceiling});
  run();
  CHECK(log->enqueues == 5);
  CHECK(log->tasks == 50);
  CHECK(log->asks == 3);
}

TEST_CASE_METHOD(pipelining_fixture,
                 "a coordinator keeps a worker's credit in flight and grows "
                 "it while the worker starves with all of it out",
                 "[unit]") {
  coordinator_options options;
  options.scheduling.batch_size = 4;
  auto coord = sys.spawn(coordinator, options);
  spawned.push_back(caf::actor_cast<caf::actor>(coord));
  run();
  auto worker = sys.spawn(holding_worker, coord, 128);
  spawned.push_back(worker);
  run();
  start_client(caf::actor_cast<caf::actor>(coord), 400, 50);
  // Four batches, the first credit, are out at once, none answered.
  auto& state = dynamic_cast<caf::stateful_actor<holding_state>&>(
                    *caf::actor_cast<caf::abstract_actor*>(worker))
                    .state;
  CHECK(state.batches == 4);
  auto rows = nodes_of(sys, *this, coord);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].credit == 4);
  CHECK(rows[1].in_flight == 4);
  // Each answer says it starved while all four were out: two more each.
  caf::anon_send(worker, std::string{"release"});
  run();
  rows = nodes_of(sys, *this, coord);
  CHECK(rows[1].credit == 12);
  CHECK(rows[1].in_flight == 12);
  CHECK(state.batches == 4 + 12);
}
