// fovea submit --coordinator HOST:PORT INPUT... (flags: jobs/job_flags.cpp)
//
// Sends a job to a running cluster and writes its results.
#include <caf/actor_system.hpp>

#include "actors/remote.hpp"
#include "app/console.hpp"
#include "app/job_runner.hpp"
#include "app/node_edge.hpp"
#include "messages/errors.hpp"
#include "messages/model_label.hpp"

namespace fovea {

int submit_main(const arguments& args) {
  fovea_config cfg;
  command_line line;
  auto request = read_job_command(job_command::submit, args, cfg, line);
  if (!request)
    return 2;
  auto where = parse_endpoint(cfg.coordinator);
  if (!where) {
    complain("fovea submit: --coordinator: " + describe(where.error()));
    return 2;
  }
  auto front = open_edge(cfg, node_kind::client, "fovea submit");
  if (!front)
    return 2;
  caf::actor_system sys{cfg};
  edge_attachment attached{sys, front->get()};
  client_options options;
  options.max_image_bytes = cfg.max_image_bytes;
  options.address = *where;
  options.routes = *front;
  return run_job(sys, *request, std::move(options));
}

} // namespace fovea
