// Bad messages sent straight to a coordinator actor: each gets an error
// reply (or, from a worker, counts as a failed batch), and the coordinator
// stays up and answers the next request.
#include <catch2/catch.hpp>

#include "actors/coordinator.hpp"
#include "messages/errors.hpp"
#include "messages/protocol.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/images.hpp"
#include "tests/support/messages.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

struct trust_fixture : test::actor_fixture {
  coordinator_actor coordinator_handle;

  explicit trust_fixture(coordinator_options options = {}) {
    options.scheduling.task_timeout = 30s;
    coordinator_handle = sys.spawn(coordinator, std::move(options));
  }

  ~trust_fixture() {
    self->send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
  }

  /// The error a request got, as people read it ("" if it succeeded).
  template <class Reply, class... Ts>
  std::string refusal(Ts&&... xs) {
    std::string result = "no reply";
    self->request(coordinator_handle, 10s, std::forward<Ts>(xs)...)
        .receive([&](Reply&) { result.clear(); },
                 [&](caf::error& err) { result = describe(err); });
    return result;
  }

  /// The coordinator still answers.
  bool alive() { return refusal<std::string>(ping_atom::value).empty(); }

  /// The next credit message to this client.
  job_credit next_credit() {
    job_credit result;
    self->receive([&](credit_atom, job_credit& credit) { result = credit; },
                  caf::after(10s) >> [] { FAIL("no credit message"); });
    return result;
  }

  uint64_t open(job_spec spec) {
    uint64_t id = 0;
    self->request(coordinator_handle, 10s, submit_atom::value, spec)
        .receive([&](uint64_t x) { id = x; },
                 [](caf::error& err) { FAIL(describe(err)); });
    return id;
  }

  std::vector<image_task> tasks(uint64_t job, uint64_t first, size_t n) {
    std::vector<image_task> result(n);
    for (size_t i = 0; i < n; ++i) {
      result[i].job = job;
      result[i].index = first + i;
      result[i].path = std::to_string(first + i) + ".png";
      result[i].bytes = test::pattern_png(static_cast<int>(first + i));
    }
    return result;
  }
};

// A worker of a 10-class model whose every answer is `label`: an honest
// one, or (99) a liar.
worker_actor::behavior_type labelling_worker(worker_actor::pointer self,
                                             coordinator_actor coordinator,
                                             int32_t label) {
  worker_info info;
  info.id = label < 10 ? "honest" : "liar";
  info.host = "test";
  info.model = "fashion-mnist@1";
  info.slots = 1;
  info.classes = 10;
  self->request(coordinator, 5s, register_atom::value, info)
    .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
  return {
    [label](classify_atom, std::vector<image_task>& tasks) {
      std::vector<prediction> rows(tasks.size());
      for (size_t i = 0; i < tasks.size(); ++i) {
        rows[i].job = tasks[i].job;
        rows[i].index = tasks[i].index;
        rows[i].label = label;
        rows[i].score = 1;
      }
      return batch_answer{std::move(rows), 0, 0};
    },
    [](drain_atom) {},
  };
}

} // namespace

TEST_CASE_METHOD(trust_fixture,
                 "registrations that break the rules are "
                 "refused and the coordinator lives",
                 "[unit]") {
  auto old = test::worker_of("w1", "test", "fashion-mnist@1", 2, 10);
  old.protocol = 1;
  CHECK(refusal<uint64_t>(register_atom::value, old) ==
        "wrong version: it speaks fovea protocol 1, this coordinator " +
            std::to_string(protocol_version) +
            " (run the same fovea version on every node)");
  auto greedy = test::worker_of("w1", "test", "fashion-mnist@1", 100000, 10);
  CHECK_THAT(refusal<uint64_t>(register_atom::value, greedy),
             Catch::Contains("from 1 to 256 slots"));
  auto sneaky = test::worker_of("../../w1", "test", "fashion-mnist@1", 2, 10);
  CHECK_THAT(refusal<uint64_t>(register_atom::value, sneaky),
             Catch::Contains("a worker id must be"));
  CHECK(alive());
}

TEST_CASE_METHOD(trust_fixture,
                 "a job of 2^40 inputs is refused and the "
                 "coordinator lives",
                 "[unit]") {
  CHECK_THAT(refusal<uint64_t>(submit_atom::value,
                               test::job_of("huge", uint64_t{1} << 40)),
             Catch::StartsWith("over a limit: a job of 1099511627776 inputs"));
  CHECK(alive());
  CHECK(open(test::job_of("small", 3)) > 0);
}

TEST_CASE("a coordinator holds to its limits on open jobs and waiters",
          "[unit]") {
  coordinator_options options;
  options.limits.max_open_jobs = 3;
  options.limits.max_jobs_per_client = 2;
  options.limits.max_waiters = 1;
  trust_fixture f{options};
  auto first = f.open(test::job_of("a", 5));
  f.open(test::job_of("b", 5));
  CHECK_THAT(f.refusal<uint64_t>(submit_atom::value, test::job_of("c", 5)),
             Catch::Contains("local has 2 jobs open already "
                             "(fovea.max-jobs-per-client)"));
  // A wait holds its reply until the job ends; the second one is over.
  f.self->request(f.coordinator_handle, caf::infinite, wait_atom::value, first);
  CHECK_THAT(f.refusal<job_row>(wait_atom::value, first),
             Catch::Contains("1 requests wait for jobs already"));
  CHECK(f.alive());
}

TEST_CASE("an enqueue is taken only from its job's client and within its "
          "credit, and credit comes back as rows are recorded",
          "[unit]") {
  // A budget of four tasks: each small image is charged the floor.
  coordinator_options options;
  options.scheduling.max_queued_tasks = 4;
  options.scheduling.max_queued_bytes = 4 * 65536;
  trust_fixture f{options};
  auto job = f.open(test::job_of("paced", 100));
  // First how tasks are charged, then a first grant: the whole budget.
  auto terms = f.next_credit();
  CHECK(terms.granted == 0);
  CHECK(terms.task_floor == 65536);
  CHECK(terms.ceiling == 4 * 65536);
  CHECK(f.next_credit().granted == 4 * 65536);
  CHECK(f.refusal<uint64_t>(enqueue_atom::value, job + 1, f.tasks(job, 0, 1))
        == "unknown job: " + std::to_string(job + 1));
  CHECK_THAT(
    f.refusal<uint64_t>(enqueue_atom::value, job, f.tasks(job + 1, 0, 1)),
    Catch::Contains("task outside job"));
  CHECK_THAT(f.refusal<uint64_t>(enqueue_atom::value, job, f.tasks(job, 99, 2)),
             Catch::Contains("task outside job"));
  {
    // Another actor than the job's client.
    caf::scoped_actor other{f.sys};
    std::string refused;
    other
      ->request(f.coordinator_handle, 10s, enqueue_atom::value, job,
                f.tasks(job, 0, 1))
      .receive([](uint64_t) {},
               [&](caf::error& err) { refused = describe(err); });
    CHECK_THAT(refused, Catch::Contains("only the client that opened job"));
  }
  // Two batches in flight at once, within the credit: both taken at once.
  auto first = f.self->request(f.coordinator_handle, 10s, enqueue_atom::value,
                               job, f.tasks(job, 0, 2));
  auto second = f.self->request(f.coordinator_handle, 10s,
                                enqueue_atom::value, job, f.tasks(job, 2, 2));
  for (auto* reply : {&first, &second})
    reply->receive([](uint64_t accepted) { CHECK(accepted == 2); },
                   [](caf::error& err) { FAIL(describe(err)); });
  // One more is past the credit: refused, not held.
  CHECK_THAT(f.refusal<uint64_t>(enqueue_atom::value, job, f.tasks(job, 4, 1)),
             Catch::Contains("past its credit of 262144"));
  // Asking waits for room; a worker's rows give the charge back.
  f.self->send(f.coordinator_handle, credit_atom::value, job, uint64_t{65536},
               uint64_t{4 * 65536});
  auto worker = f.sys.spawn(labelling_worker, f.coordinator_handle, 1);
  auto more = f.next_credit();
  CHECK(more.granted > 4 * 65536);
  CHECK(more.granted <= 8 * 65536);
  CHECK(f.alive());
  f.self->send_exit(worker, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(trust_fixture,
                 "a worker's answers that are not answers "
                 "fail their batch and end as poison rows",
                 "[unit]") {
  auto liar = sys.spawn(labelling_worker, coordinator_handle, 99);
  auto job = open(test::job_of("lied-to", 2));
  auto sent = tasks(job, 0, 2);
  self->request(coordinator_handle, 10s, enqueue_atom::value, job, sent)
      .receive([](uint64_t) {}, [](caf::error& err) { FAIL(describe(err)); });
  std::vector<prediction> rows;
  while (rows.size() < 2)
    self->receive(
        [&](result_atom, uint64_t, std::vector<prediction>& got) {
          rows.insert(rows.end(), got.begin(), got.end());
        },
        caf::after(30s) >> [] { FAIL("no rows"); });
  for (auto& row : rows) {
    CHECK(row.label == -1);
    CHECK_THAT(row.error,
               Catch::StartsWith("poison: failed on all 3 attempts") &&
                   Catch::Contains("label 99 of a model with 10 classes"));
  }
  CHECK(alive());
  self->send_exit(liar, caf::exit_reason::user_shutdown);
}
