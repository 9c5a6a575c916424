// A worker node: loads every model it serves, joins its coordinator and
// runs until a signal drains it (fovea node with fovea.role = "worker").
#include "app/node_roles.hpp"

#include <atomic>
#include <filesystem>
#include <malloc.h>
#include <optional>
#include <unistd.h>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "actors/reference_stage.hpp"
#include "actors/remote.hpp"
#include "actors/worker.hpp"
#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/lifetime.hpp"
#include "app/node_edge.hpp"
#include "app/node_http.hpp"
#include "app/reference_inputs.hpp"
#include "app/subcommands.hpp"
#include "jobs/job_journal.hpp"
#include "messages/errors.hpp"
#include "vision/graph_verdicts.hpp"
#include "vision/model.hpp"
#include "vision/model_repository.hpp"

namespace fovea {

int run_worker(fovea_config& cfg) {
  // Check the coordinator address, the TLS files and the model before
  // anything starts: each is a configuration error, not a runtime surprise.
  auto where = parse_endpoint(cfg.coordinator);
  if (!where) {
    complain("fovea node: fovea.coordinator: " + describe(where.error()));
    return 2;
  }
  auto opened = open_edge(cfg, node_kind::worker, "fovea node",
                         [](const std::string& line) {
                           say("fovea worker: " + line);
                         });
  if (!opened)
    return 2;
  auto front = std::move(*opened); // outlives the actor system
  // A worker registers as the worker its certificate names.
  auto certified = front && front->tls() ? front->name() : std::string{};
  if (!certified.empty() && !cfg.id.empty() && cfg.id != certified) {
    complain("fovea node: fovea.id = " + cfg.id + " is not the name in "
             + cfg.certificate + " (" + certified
             + "): a worker joins as the worker its certificate names");
    return 2;
  }
  auto id = certified.empty() ? cfg.node_id() : certified;
  set_log_node(id);
  if (!valid_job_name(id)) {
    complain("fovea node: fovea.id = " + id
             + ": a worker id is 1-100 letters, digits, '.', '_' or '-', not "
               "starting with '.'");
    return 2;
  }
  // Before the models load: /readyz says "starting" through load and
  // warm-up.
  auto http = open_http(cfg, id, "worker");
  if (!http)
    return 2;
  // What the worker reads by reference (shared roots, S3, HTTPS hosts),
  // shared by every model it serves: the roots are opened and the S3
  // credentials read now, so that a wrong path or a missing key stops the
  // node here, naming the setting.
  auto reader = worker_reference_reader(cfg);
  if (!reader) {
    complain("fovea node: " + describe(reader.error()));
    return 2;
  }
  set_inference_threads(cfg.threads);
  auto folders = model_folders(cfg.model);
  if (!folders) {
    complain("fovea node: fovea.model: " + describe(folders.error()));
    return 2;
  }
  // Each model a worker serves is registered on its own, under the
  // worker's id, with its own slots and inference pipeline.
  struct served {
    std::unique_ptr<model> loaded;
    inference_options pipeline;
  };
  std::vector<served> models;
  size_t blocking = 0;
  for (auto& folder : *folders) {
    auto loaded = model::load(
      folder, {.verdict_folder = graph_cache_folder(cfg.graph_cache)});
    if (!loaded) {
      complain("fovea node: fovea.model: " + describe(loaded.error()));
      return 2;
    }
    auto& next = models.emplace_back(served{std::move(*loaded), {}});
    if (auto problem = cfg.inference_setup(next.loaded->manifest(), id,
                                           next.pipeline);
        !problem.empty()) {
      complain("fovea node: " + problem);
      return 2;
    }
    // Ready means fast from the first batch: the graph is chosen and
    // checked in model::load, and warmed up at the sizes it will run.
    auto& m = *next.loaded;
    say("fovea worker " + id + ": " + m.manifest().label() + ", "
        + m.graph_note());
    say("fovea worker " + id + ": " + m.warm_up(next.pipeline.batching));
    if (http->metrics)
      next.pipeline.metrics = std::make_shared<worker_metrics>(
        *http->metrics, m.manifest().label());
    blocking += blocking_threads(next.pipeline);
  }
  cfg.reserve_threads_for_inference(blocking);
  caf::actor_system sys{cfg};
  edge_attachment attached{sys, front.get()};
  std::vector<caf::actor> workers;
  // Ready once every model's worker is registered; any one lost (or
  // draining) makes the node unready.
  http->set_phase(node_health::phase::unregistered);
  auto registered = std::make_shared<std::atomic<size_t>>(0);
  for (auto& [loaded, pipeline] : models) {
    worker_options options;
    options.info.id = id;
    options.info.host = host_name();
    options.info.model = loaded->manifest().label();
    options.info.slots = cfg.slots;
    options.info.classes = static_cast<uint32_t>(loaded->labels().size());
    options.info.model_digest = loaded->digest();
    options.info.width = static_cast<uint32_t>(loaded->manifest().width);
    options.info.height = static_cast<uint32_t>(loaded->manifest().height);
    options.info.channels = static_cast<uint32_t>(loaded->manifest().channels);
    options.info.labels = loaded->labels();
    options.address = *where;
    options.routes = front;
    options.connect_timeout = cfg.connect_timeout;
    options.say = say;
    if (http->metrics)
      options.registered = [registered, total = models.size(),
                            health = &http->metrics->health(),
                            mine = std::make_shared<bool>(false)](bool now) {
        if (*mine == now)
          return;
        *mine = now;
        auto count = now ? ++*registered : --*registered;
        health->set_phase(count == total ? node_health::phase::ready
                                         : node_health::phase::unregistered);
      };
    // The inference actor blocks a scheduler thread per batch (one is
    // reserved for it); the worker faces the network and hands it batches.
    auto engine = spawn_inference(sys, std::move(loaded), pipeline);
    if (*reader)
      engine = spawn_reference_stage(sys, engine, *reader);
    workers.push_back(caf::actor_cast<caf::actor>(
      sys.spawn(worker, std::move(options), engine)));
  }
  // Wait until the workers end: drained after SIGINT/SIGTERM (a second
  // signal stops them at once), or given up on their coordinator.
  auto reason = wait_for_end(sys, workers, [&workers, &http] {
    http->set_phase(node_health::phase::stopping);
    for (auto& handle : workers)
      caf::anon_send(caf::actor_cast<worker_actor>(handle), drain_atom::value);
  });
  if (reason && reason != caf::exit_reason::user_shutdown) {
    complain("fovea node: worker " + id + " stopped: " + describe(reason));
    return 2;
  }
  say("fovea worker " + id + " stopped");
  return 0;
}

} // namespace fovea
