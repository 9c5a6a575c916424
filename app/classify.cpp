// fovea classify INPUT... (flags: jobs/job_flags.cpp)
//
// The embedded cluster: a coordinator and N worker actors in this process,
// no network, the same actors and messages as the distributed path.
#include <charconv>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "actors/worker.hpp"
#include "app/console.hpp"
#include "app/install_layout.hpp"
#include "app/job_runner.hpp"
#include "messages/errors.hpp"
#include "vision/graph_verdicts.hpp"

namespace fovea {

int classify_main(const arguments& args) {
  fovea_config cfg;
  command_line line;
  auto request = read_job_command(job_command::classify, args, cfg, line);
  if (!request)
    return 2;
  // One worker per core by default: single-threaded workers side by side
  // beat one worker with more LibTorch threads for small models.
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  if (auto n = line.flags.find("workers"); n != line.flags.end()) {
    auto& text = n->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                     workers);
    if (ec != std::errc{} || end != text.data() + text.size() || workers == 0
        || workers > 256) {
      complain("fovea classify: --workers must be a number from 1 to 256");
      return 2;
    }
  }
  // --model takes a folder, or NAME[@VERSION] of the model repository as
  // submit does; a folder of that name wins.
  std::error_code missing;
  if (!std::filesystem::exists(cfg.model, missing))
    if (auto folder = repository_model_folder(cfg.model); !folder.empty())
      cfg.model = folder;
  // Each local worker loads, checks and warms its own copy of the model (a
  // runner uses its model from one thread only), as many at once as there
  // are cores: two workers on two cores are ready in the time of one. The
  // first to start loads LibTorch itself (400 ms here: its 288 libraries
  // and operator tables), during which the main thread counts the inputs.
  std::once_flag threads_set;
  struct local_engine {
    std::shared_ptr<model> engine;
    inference_options pipeline;
    std::string problem; ///< why it cannot run, for the user
  };
  auto prepare = [&](unsigned i) {
    local_engine prepared;
    std::call_once(threads_set, [&] { set_inference_threads(cfg.threads); });
    auto loaded = model::load(
      cfg.model, {.verdict_folder = graph_cache_folder(cfg.graph_cache)});
    if (!loaded) {
      prepared.problem = "--model: " + describe(loaded.error());
      return prepared;
    }
    prepared.problem = cfg.inference_setup(
      (*loaded)->manifest(), "local-" + std::to_string(i), prepared.pipeline);
    if (prepared.problem.empty())
      (*loaded)->warm_up(prepared.pipeline.batching);
    prepared.engine = std::move(*loaded);
    return prepared;
  };
  auto prepare_all = [&] {
    std::vector<local_engine> prepared;
    auto at_once = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned first = 1; first <= workers; first += at_once) {
      std::vector<std::future<local_engine>> loading;
      for (auto i = first; i < first + at_once && i <= workers; ++i)
        loading.push_back(std::async(std::launch::async, prepare, i));
      for (auto& one : loading)
        prepared.push_back(one.get());
    }
    return prepared;
  };
  // A wrong --model is told before the walk (which a long list makes
  // long); what only LibTorch finds, after it.
  if (auto err = model::check_folder(cfg.model)) {
    complain("fovea classify: --model: " + describe(err));
    return 2;
  }
  auto preparing = std::async(std::launch::async, prepare_all);
  auto walked = walk_inputs(request->inputs);
  auto prepared = preparing.get();
  std::vector<std::pair<std::shared_ptr<model>, inference_options>> engines;
  size_t blocking = 0;
  for (auto& [engine, pipeline, problem] : prepared) {
    if (!problem.empty()) {
      complain("fovea classify: " + problem);
      return 2;
    }
    if (engines.empty()) // every worker loads the same model, so the same graph
      say("fovea classify: " + engine->manifest().label() + ", "
          + engine->graph_note());
    blocking += blocking_threads(pipeline);
    engines.emplace_back(std::move(engine), std::move(pipeline));
  }
  cfg.reserve_threads_for_inference(blocking);
  caf::actor_system sys{cfg};
  coordinator_options coordinator_opts;
  coordinator_opts.scheduling = cfg.scheduling();
  coordinator_opts.max_image_bytes = cfg.max_image_bytes;
  coordinator_opts.limits = cfg.limits();
  auto coordinator_handle = sys.spawn(coordinator, coordinator_opts);
  std::vector<worker_actor> worker_handles;
  for (auto& [engine, pipeline] : engines) {
    worker_options options;
    options.info.id = pipeline.worker_id;
    options.info.host = host_name();
    options.info.model = engine->manifest().label();
    options.info.slots = cfg.slots;
    options.info.classes = static_cast<uint32_t>(engine->labels().size());
    options.info.model_digest = engine->digest();
    options.local_coordinator = coordinator_handle;
    worker_handles.push_back(
      sys.spawn(worker, std::move(options),
                spawn_inference(sys, engine, pipeline)));
  }
  client_options options;
  options.max_image_bytes = cfg.max_image_bytes;
  options.local_coordinator = coordinator_handle;
  auto code = run_job(sys, *request, std::move(walked), std::move(options));
  for (auto& w : worker_handles)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
  return code;
}

} // namespace fovea
