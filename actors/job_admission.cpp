#include "actors/job_admission.hpp"

#include <algorithm>

#include "messages/errors.hpp"

namespace fovea {

caf::error admission_problem(const std::vector<open_job_view>& open,
                             const std::string& name,
                             const std::string& principal,
                             const std::string& owner,
                             const coordinator_limits& limits) {
  if (open.size() >= limits.max_open_jobs)
    return make_error(errc::over_limit,
                      std::to_string(open.size())
                        + " jobs are open, this coordinator's limit "
                          "(fovea.max-open-jobs); submit when one has ended");
  auto mine = std::count_if(open.begin(), open.end(), [&](auto& job) {
    return job.principal == principal;
  });
  if (static_cast<size_t>(mine) >= limits.max_jobs_per_client)
    return make_error(errc::over_limit,
                      principal + " has " + std::to_string(mine)
                        + " jobs open already (fovea.max-jobs-per-client)");
  for (auto& job : open)
    if (!name.empty() && job.name == name && job.owner == owner)
      return make_error(errc::invalid_request,
                        "job " + name + " is already running");
  return caf::none;
}

} // namespace fovea
