// fovea submit --coordinator HOST:PORT INPUT... [--out F] [--job NAME]
//
// Sends a job to a running cluster and writes its results.
#include <caf/actor_system.hpp>

#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/job_runner.hpp"
#include "app/subcommands.hpp"
#include "messages/errors.hpp"

namespace fovea {

int submit_main(const arguments& args) {
  flag_spec spec;
  spec.own = {"out", "job", "truth"};
  spec.aliases = {{"coordinator", "fovea.coordinator"}};
  auto line = split_command_line(args, spec);
  auto usage = "usage: fovea submit --coordinator HOST:PORT INPUT... "
               "[--out results.csv] [--job NAME] [--truth truth.csv]";
  if (!line.error.empty() || line.positional.empty()) {
    complain("fovea submit: "
             + (line.error.empty() ? "no inputs given" : line.error) + "\n"
             + usage);
    return 2;
  }
  fovea_config cfg;
  if (auto problem = cfg.configure(line.caf_args); !problem.empty()) {
    complain("fovea submit: " + problem);
    return 2;
  }
  auto where = parse_endpoint(cfg.coordinator);
  if (!where) {
    complain("fovea submit: --coordinator: " + describe(where.error()));
    return 2;
  }
  caf::actor_system sys{cfg};
  client_options options;
  options.address = *where;
  job_request request;
  request.inputs = line.positional;
  if (line.flags.count("out"))
    request.out = line.flags["out"];
  request.name = line.flags["job"];
  request.truth = line.flags["truth"];
  return run_job(sys, request, std::move(options));
}

} // namespace fovea
