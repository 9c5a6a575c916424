// Messages as tests write them: a job or a worker's registration from the
// few fields a test cares about, the rest as a client or a worker leaves
// them (the current protocol, no model named, no digest).
#pragma once

#include <cstdint>
#include <string>

#include "messages/job_spec.hpp"
#include "messages/worker_info.hpp"

namespace fovea::test {

inline job_spec job_of(std::string name, uint64_t total) {
  job_spec spec;
  spec.name = std::move(name);
  spec.total = total;
  return spec;
}

inline worker_info worker_of(std::string id, std::string host,
                             std::string model, uint32_t slots,
                             uint32_t classes) {
  worker_info info;
  info.id = std::move(id);
  info.host = std::move(host);
  info.model = std::move(model);
  info.slots = slots;
  info.classes = classes;
  return info;
}

} // namespace fovea::test
