// What a coordinator accepts, decided without actors: the access rules per
// certificate role, and the checks every message passes before it is used.
#include <catch2/catch.hpp>

#include "tests/support/messages.hpp"

#include <cmath>
#include <limits>

#include "actors/access.hpp"
#include "actors/message_checks.hpp"
#include "messages/errors.hpp"

using namespace fovea;

namespace {

request_sender with_role(peer_role role) {
  request_sender who;
  who.peer = peer_identity{"n1", role, "10.0.0.7:5000"};
  who.principal = "n1";
  return who;
}

bool allowed(const request_sender& who, request_kind kind) {
  return !check_access(who, kind);
}

worker_info good_worker() {
  return test::worker_of("w1", "rack-4", "fashion-mnist@1", 4, 10);
}

std::vector<image_task> tasks_of(uint64_t job, size_t n) {
  std::vector<image_task> tasks(n);
  for (size_t i = 0; i < n; ++i) {
    tasks[i].job = job;
    tasks[i].index = i;
    tasks[i].attempt = 1;
    tasks[i].path = "img" + std::to_string(i) + ".png";
  }
  return tasks;
}

std::vector<prediction> answers_to(const std::vector<image_task>& tasks) {
  std::vector<prediction> rows(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    rows[i].job = tasks[i].job;
    rows[i].index = tasks[i].index;
    rows[i].label = 3;
    rows[i].class_name = "Dress";
    rows[i].score = 0.5f;
  }
  return rows;
}

} // namespace

TEST_CASE("each certificate role may make only its own requests", "[unit]") {
  using k = request_kind;
  auto worker = with_role(peer_role::worker);
  auto client = with_role(peer_role::client);
  auto ops = with_role(peer_role::operator_);
  auto plain = with_role(peer_role::unauthenticated);
  request_sender local;
  local.local = true;
  request_sender stranger; // came around the edge
  struct rule {
    request_kind kind;
    bool worker, client, ops;
  };
  for (auto [kind, w, c, o] :
       {rule{k::register_worker, true, false, false},
        rule{k::submit, false, true, true}, rule{k::cancel, false, false, true},
        rule{k::drain, false, false, true},
        rule{k::observe, true, true, true}}) {
    CHECK(allowed(worker, kind) == w);
    CHECK(allowed(client, kind) == c);
    CHECK(allowed(ops, kind) == o);
    CHECK(allowed(plain, kind)); // a plain edge: the operator's choice
    CHECK(allowed(local, kind));
    CHECK_FALSE(allowed(stranger, kind));
  }
  CHECK(describe(check_access(client, k::drain)) ==
        "not permitted: certificate n1 has role client; draining a worker "
        "needs role operator");
}

TEST_CASE("a worker's registration is checked field by field", "[unit]") {
  coordinator_limits limits;
  CHECK_FALSE(check_worker_info(good_worker(), limits));
  auto described = good_worker();
  described.width = described.height = 28;
  described.channels = 1;
  described.labels.assign(10, "Dress");
  CHECK_FALSE(check_worker_info(described, limits));
  struct bad_case {
    const char* name;
    void (*spoil)(worker_info&);
    const char* reason;
  };
  for (auto& c : {
           bad_case{"another protocol", [](worker_info& w) { w.protocol = 1; },
                    "wrong version: it speaks fovea protocol 1, this "
                    "coordinator"},
           bad_case{"a digest that is not SHA-256 hex",
                    [](worker_info& w) { w.model_digest = "abc"; },
                    "64 lower-case hex digits"},
           bad_case{"no id", [](worker_info& w) { w.id.clear(); },
                    "a worker id must be"},
           bad_case{"a path as id", [](worker_info& w) { w.id = "../w"; },
                    "a worker id must be"},
           bad_case{"a huge id",
                    [](worker_info& w) { w.id = std::string(101, 'w'); },
                    "a worker id must be"},
           bad_case{"a huge host",
                    [](worker_info& w) { w.host = std::string(300, 'h'); },
                    "a host name must be"},
           bad_case{"a control character in the model",
                    [](worker_info& w) { w.model = "m\n@1"; },
                    "a model name must be"},
           bad_case{"a model without its version",
                    [](worker_info& w) { w.model = "fashion-mnist"; },
                    "must be NAME@VERSION"},
           bad_case{"a version that is not a whole number",
                    [](worker_info& w) { w.model = "fashion-mnist@v2"; },
                    "must be NAME@VERSION"},
           bad_case{"no slots", [](worker_info& w) { w.slots = 0; },
                    "from 1 to 256 slots"},
           bad_case{"a million slots",
                    [](worker_info& w) { w.slots = 1000000; },
                    "from 1 to 256 slots"},
           bad_case{"no classes", [](worker_info& w) { w.classes = 0; },
                    "from 1 to 100000 classes"},
           // The attack that made a coordinator build a 512 MiB bitmap per
           // answered row.
           bad_case{"four billion classes",
                    [](worker_info& w) { w.classes = 0xFFFFFFFF; },
                    "from 1 to 100000 classes (it declared 4294967295)"},
           bad_case{"fewer class names than classes",
                    [](worker_info& w) { w.labels = {"a", "b"}; },
                    "names 2 classes but has 10"},
           bad_case{"a class name with a control character",
                    [](worker_info& w) {
                      w.labels.assign(10, "ok");
                      w.labels[3] = "Dr\x1b[2Jess";
                    },
                    "a class name must be"},
           bad_case{"an endless class name",
                    [](worker_info& w) {
                      w.labels.assign(10, std::string(300, 'c'));
                    },
                    "a class name must be"},
           bad_case{"an input side past the limit",
                    [](worker_info& w) {
                      w.width = 100000;
                      w.height = 28;
                      w.channels = 1;
                    },
                    "channels (1-4) x height x width"},
           bad_case{"an input half said",
                    [](worker_info& w) { w.width = 28; },
                    "or not said at all"},
           bad_case{"five channels",
                    [](worker_info& w) {
                      w.width = w.height = 28;
                      w.channels = 5;
                    },
                    "channels (1-4)"},
       }) {
    SECTION(c.name) {
      auto info = good_worker();
      c.spoil(info);
      CHECK_THAT(describe(check_worker_info(info, limits)),
                 Catch::Contains(c.reason));
    }
  }
}

TEST_CASE("a job's size and name are checked before anything is allocated",
          "[unit]") {
  coordinator_limits limits;
  CHECK_FALSE(check_job_spec(test::job_of("nightly", 1000), limits));
  CHECK_FALSE(check_job_spec(test::job_of("", 0), limits));
  auto huge = check_job_spec(test::job_of("", uint64_t{1} << 40), limits);
  CHECK(huge.code() == static_cast<uint8_t>(errc::over_limit));
  CHECK_THAT(describe(huge),
             Catch::Contains("1099511627776 inputs is over this "
                             "coordinator's limit of 10000000"));
  CHECK_THAT(describe(check_job_spec(test::job_of("../etc", 1), limits)),
             Catch::Contains("must be 1-100 letters"));
  auto pinned = test::job_of("pinned", 1);
  pinned.model = "fashion-mnist@2";
  CHECK_FALSE(check_job_spec(pinned, limits));
  for (auto bad : {"fashion-mnist@", "fashion-mnist@latest", "a@1@2",
                   "model\x1b[2J"}) {
    pinned.model = bad;
    CHECK_THAT(describe(check_job_spec(pinned, limits)),
               Catch::Contains("--model must be NAME or NAME@VERSION"));
  }
  auto old = test::job_of("x", 1);
  old.protocol = protocol_version + 1;
  CHECK(check_job_spec(old, limits).code() ==
        static_cast<uint8_t>(errc::wrong_version));
}

TEST_CASE("a client's tasks must belong to its job and stay within bounds",
          "[unit]") {
  coordinator_limits limits;
  limits.max_tasks_per_enqueue = 8;
  CHECK_FALSE(check_tasks(tasks_of(1, 8), 1, 100, limits));
  CHECK_THAT(describe(check_tasks(tasks_of(1, 9), 1, 100, limits)),
             Catch::Contains("a batch of 9 tasks (at most 8)"));
  CHECK_THAT(describe(check_tasks(tasks_of(2, 1), 1, 100, limits)),
             Catch::Contains("task outside job 1"));
  CHECK_THAT(describe(check_tasks(tasks_of(1, 8), 1, 5, limits)),
             Catch::Contains("task outside job 1"));
  auto long_path = tasks_of(1, 1);
  long_path[0].path.assign(5000, 'p');
  CHECK_THAT(describe(check_tasks(long_path, 1, 100, limits)),
             Catch::Contains("a path of 5000 characters (at most 4096)"));
  auto long_error = tasks_of(1, 1);
  long_error[0].error.assign(2000, 'e');
  CHECK_THAT(describe(check_tasks(long_error, 1, 100, limits)),
             Catch::Contains("an error of 2000 characters"));
}

TEST_CASE("a worker may answer unchanged only for the version its task "
          "named, and a client may name none", "[unit]") {
  coordinator_limits limits;
  auto claimed = tasks_of(1, 1);
  claimed[0].reference = reference_kind::s3;
  claimed[0].known_version = "\"v1\"";
  CHECK_THAT(describe(check_tasks(claimed, 1, 100, limits)),
             Catch::Contains("a task that names a known version"));
  auto tasks = tasks_of(1, 2);
  tasks[0].known_version = "\"v1\"";
  auto rows = answers_to(tasks);
  rows[0].unchanged = true;
  rows[0].source_version = "\"v1\"";
  rows[0].label = 4; // whatever it says: the journal's row is recorded
  CHECK(check_answer(rows, tasks, 10, "w1").empty());
  CHECK(rows[0].label == -1);
  SECTION("another version") {
    rows[0].source_version = "\"v2\"";
    CHECK_THAT(check_answer(rows, tasks, 10, "w1"),
               Catch::Contains("unchanged answer for a task without that"));
  }
  SECTION("a task that named none") {
    rows[1].unchanged = true;
    CHECK_THAT(check_answer(rows, tasks, 10, "w1"),
               Catch::Contains("unchanged answer for a task without that"));
  }
  SECTION("an endless version") {
    rows[1].source_version.assign(300, 'v');
    CHECK_THAT(check_answer(rows, tasks, 10, "w1"), Catch::Contains("overlong"));
  }
}

TEST_CASE("a worker's answer is one prediction per task with labels and "
          "scores its model can give",
          "[unit]") {
  auto tasks = tasks_of(1, 4);
  SECTION("a sound answer is taken, with what the worker echoed replaced") {
    auto rows = answers_to(tasks);
    rows[2].path = "/etc/shadow";
    rows[2].worker = "someone-else";
    rows[3].error = "bad image";
    rows[3].label = 5;
    CHECK(check_answer(rows, tasks, 10, "w1").empty());
    CHECK(rows[2].path == "img2.png");
    CHECK(rows[2].worker == "w1");
    CHECK(rows[2].attempt == 1);
    CHECK(rows[3].label == -1);
  }
  struct bad_case {
    const char* name;
    void (*spoil)(std::vector<prediction>&);
    const char* reason;
  };
  for (auto& c : {
           bad_case{"one row short",
                    [](std::vector<prediction>& r) { r.pop_back(); },
                    "3 predictions for 4 tasks"},
           bad_case{"rows out of order",
                    [](std::vector<prediction>& r) { std::swap(r[0], r[1]); },
                    "out of order"},
           bad_case{"a label past the model's classes",
                    [](std::vector<prediction>& r) { r[1].label = 99; },
                    "label 99 of a model with 10 classes"},
           bad_case{"a negative label without an error",
                    [](std::vector<prediction>& r) { r[1].label = -1; },
                    "label -1"},
           bad_case{"a NaN score",
                    [](std::vector<prediction>& r) {
                      r[0].score = std::numeric_limits<float>::quiet_NaN();
                    },
                    "a score outside [0, 1]"},
           bad_case{"a score of 2",
                    [](std::vector<prediction>& r) { r[0].score = 2; },
                    "a score outside [0, 1]"},
           bad_case{"an endless class name",
                    [](std::vector<prediction>& r) {
                      r[0].class_name.assign(1000, 'c');
                    },
                    "overlong"},
       }) {
    SECTION(c.name) {
      auto rows = answers_to(tasks);
      c.spoil(rows);
      CHECK_THAT(check_answer(rows, tasks, 10, "w1"),
                 Catch::Contains(c.reason));
    }
  }
}

TEST_CASE("a worker's ranked classes are what the task asked for, best first",
          "[unit]") {
  auto tasks = tasks_of(1, 1);
  tasks[0].top_k = 3;
  auto ranked = [&] {
    auto rows = answers_to(tasks);
    rows[0].top_labels = {3, 7, 1};
    rows[0].top_scores = {0.5f, 0.3f, 0.3f};
    return rows;
  };
  auto sound = ranked();
  CHECK(check_answer(sound, tasks, 10, "w1").empty());
  // A model of fewer classes than asked for ranks all of them.
  auto fewer = answers_to(tasks);
  fewer[0].label = 1;
  fewer[0].top_labels = {1, 0};
  fewer[0].top_scores = {0.5f, 0.5f};
  CHECK(check_answer(fewer, tasks, 2, "w1").empty());
  // Unasked rankings are refused too: a worker does what it is told.
  auto unasked = ranked();
  auto plain_tasks = tasks_of(1, 1);
  CHECK_THAT(check_answer(unasked, plain_tasks, 10, "w1"),
             Catch::Contains("a ranking of 3 classes where 0 were asked for"));
  struct bad_case {
    const char* name;
    void (*spoil)(prediction&);
    const char* reason;
  };
  for (auto& c : {
         bad_case{"too short", [](prediction& r) { r.top_labels.pop_back(); },
                  "a ranking of 2 classes where 3"},
         bad_case{"a label twice", [](prediction& r) { r.top_labels[2] = 7; },
                  "a label twice or out of range"},
         bad_case{"a label out of range",
                  [](prediction& r) { r.top_labels[1] = 10; },
                  "a label twice or out of range"},
         bad_case{"scores rising", [](prediction& r) { r.top_scores[2] = 0.4f; },
                  "best first"},
         bad_case{"a NaN score",
                  [](prediction& r) {
                    r.top_scores[1] = std::numeric_limits<float>::quiet_NaN();
                  },
                  "best first"},
         bad_case{"led by another label",
                  [](prediction& r) { std::swap(r.top_labels[0], r.top_labels[1]); },
                  "does not start with the row's label"},
       }) {
    SECTION(c.name) {
      auto rows = ranked();
      c.spoil(rows[0]);
      CHECK_THAT(check_answer(rows, tasks, 10, "w1"), Catch::Contains(c.reason));
    }
  }
  SECTION("a negative label") {
    auto rows = ranked();
    rows[0].top_labels[1] = -1;
    CHECK_THAT(check_answer(rows, tasks, 10, "w1"),
               Catch::Contains("a label twice or out of range"));
  }
  SECTION("an error row keeps no ranking") {
    auto rows = ranked();
    rows[0].error = "bad image";
    CHECK(check_answer(rows, tasks, 10, "w1").empty());
    CHECK(rows[0].top_labels.empty());
    CHECK(rows[0].top_scores.empty());
  }
}
