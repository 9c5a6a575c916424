// The coordinator's admission of a new job, as a table: its limits on open
// jobs and jobs per client, and one running job per name per owner.
#include <catch2/catch.hpp>

#include "actors/job_admission.hpp"
#include "messages/errors.hpp"

using namespace fovea;

TEST_CASE("a coordinator admits a job within its limits and refuses one "
          "past them, or of a name its owner already runs",
          "[unit]") {
  coordinator_limits limits;
  limits.max_open_jobs = 3;
  limits.max_jobs_per_client = 2;
  using open_jobs = std::vector<open_job_view>;
  // open jobs | name, principal, owner | "" (admitted) or the reason
  auto [open, name, principal, owner, expected]
    = GENERATE(table<open_jobs, std::string, std::string, std::string,
                     std::string>({
      {{}, "nightly", "alice", "alice", ""},
      {{{"alice", "alice", "a"}, {"bob", "bob", "b"}, {"carol", "carol", "c"}},
       "d", "dave", "dave", "3 jobs are open, this coordinator's limit"},
      {{{"alice", "alice", "a"}, {"alice", "alice", "b"}},
       "c", "alice", "alice", "alice has 2 jobs open already"},
      {{{"alice", "alice", "a"}}, "b", "bob", "bob", ""},
      {{{"alice", "alice", "nightly"}},
       "nightly", "alice", "alice", "job nightly is already running"},
      // Another certificate's job of the same name is its own.
      {{{"alice", "alice", "nightly"}}, "nightly", "bob", "bob", ""},
      // Unnamed jobs never clash (the coordinator names them job-N).
      {{{"alice", "alice", ""}}, "", "alice", "alice", ""},
      // Without TLS there are no owners: one name runs once.
      {{{"10.0.0.1:5000", "", "nightly"}},
       "nightly", "10.0.0.2:6000", "", "job nightly is already running"},
    }));
  INFO(name << " from " << principal);
  auto err = admission_problem(open, name, principal, owner, limits);
  if (expected.empty())
    CHECK(describe(err) == "no error");
  else
    CHECK_THAT(describe(err), Catch::Contains(expected));
}
