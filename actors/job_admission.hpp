// job_admission: whether a coordinator opens one more job, given the jobs
// it has open. No actors inside: the coordinator asks it with a view of its
// open jobs, and its tests ask it with tables.
//
// Guarantees, in the order they are checked (the first that fails is the
// answer):
//   - at most limits.max_open_jobs jobs are open at once;
//   - one principal (a certificate, or a connection without TLS) has at
//     most limits.max_jobs_per_client of them;
//   - a name runs once per owner at a time: another certificate's job may
//     have the same name, and unnamed jobs never clash.
// Roles (access.hpp) and the job's own fields (message_checks.hpp) are
// checked before this.
#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>

#include "actors/message_checks.hpp"

namespace fovea {

/// What admission needs to know of an open job.
struct open_job_view {
  std::string principal; ///< who opened it, for the per-client quota
  std::string owner;     ///< the certificate that owns it ("" without TLS)
  std::string name;
};

/// Why a job named `name` from `principal` (owner `owner`) may not open
/// beside `open`, or none.
caf::error admission_problem(const std::vector<open_job_view>& open,
                             const std::string& name,
                             const std::string& principal,
                             const std::string& owner,
                             const coordinator_limits& limits);

} // namespace fovea
