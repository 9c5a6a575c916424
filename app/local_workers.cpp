#include "app/local_workers.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "actors/reference_stage.hpp"
#include "app/console.hpp"
#include "messages/errors.hpp"
#include "vision/graph_verdicts.hpp"

namespace fovea {

local_workers::local_workers(caf::actor_system& sys, const fovea_config& cfg,
                             coordinator_actor coordinator,
                             std::shared_ptr<reference_reader> reader)
    : sys_(sys), cfg_(cfg), coordinator_(std::move(coordinator)),
      reader_(std::move(reader)) {
}

std::string local_workers::start(const std::string& folder,
                                 inference_options pipeline) {
  std::call_once(threads_set_, [&] { set_inference_threads(cfg_.threads); });
  auto loaded = model::load(
      folder, {.verdict_folder = graph_cache_folder(cfg_.graph_cache)});
  if (!loaded)
    return "--model: " + describe(loaded.error());
  std::shared_ptr<model> engine = std::move(*loaded);
  engine->warm_up(pipeline.batching);
  worker_options options;
  options.info.id = pipeline.worker_id;
  options.info.host = host_name();
  options.info.model = engine->manifest().label();
  options.info.slots = cfg_.slots;
  options.info.classes = static_cast<uint32_t>(engine->labels().size());
  options.info.model_digest = engine->digest();
  options.info.width = static_cast<uint32_t>(engine->manifest().width);
  options.info.height = static_cast<uint32_t>(engine->manifest().height);
  options.info.channels = static_cast<uint32_t>(engine->manifest().channels);
  options.info.labels = engine->labels();
  options.local_coordinator = coordinator_;
  std::lock_guard<std::mutex> guard{lock_};
  if (!std::exchange(told_graph_, true)) // every worker loads the same model
    say("fovea classify: " + engine->manifest().label() + ", " +
        engine->graph_note());
  auto inference = spawn_inference(sys_, engine, pipeline);
  if (reader_)
    inference = spawn_reference_stage(sys_, inference, reader_);
  workers_.push_back(sys_.spawn(worker, std::move(options), inference));
  return {};
}

bool local_workers::fail(std::string problem) {
  std::lock_guard<std::mutex> guard{lock_};
  if (!failure_.empty())
    return false;
  failure_ = std::move(problem);
  return true;
}

std::string local_workers::failure() const {
  std::lock_guard<std::mutex> guard{lock_};
  return failure_;
}

void local_workers::stop() {
  std::lock_guard<std::mutex> guard{lock_};
  for (auto& w : workers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

} // namespace fovea
