// fovea classify INPUT... (flags: jobs/job_flags.cpp)
//
// The embedded cluster: a coordinator and N worker actors in this process,
// no network, the same actors and messages as the distributed path.
#include <atomic>
#include <charconv>
#include <filesystem>
#include <future>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "app/console.hpp"
#include "app/install_layout.hpp"
#include "app/job_runner.hpp"
#include "app/local_workers.hpp"
#include "app/reference_inputs.hpp"
#include "messages/errors.hpp"
#include "vision/manifest.hpp"
#include "vision/model.hpp"

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
  // A wrong --model is told before the walk (which a long list makes
  // long); what only LibTorch finds, after it.
  if (auto err = model::check_folder(cfg.model)) {
    complain("fovea classify: --model: " + describe(err));
    return 2;
  }
  // Each worker's pipeline needs only model.ini, so the actor system, the
  // coordinator and the job start before LibTorch has loaded: the walk,
  // the reads and the queue fill the time of its load, and each worker
  // takes batches the moment its model is ready.
  auto manifest = load_manifest(cfg.model);
  if (!manifest) { // check_folder read it a moment ago
    complain("fovea classify: --model: " + describe(manifest.error()));
    return 2;
  }
  std::vector<inference_options> pipelines(workers);
  size_t blocking = 0;
  for (unsigned i = 0; i < workers; ++i) {
    auto problem = cfg.inference_setup(
      *manifest, "local-" + std::to_string(i + 1), pipelines[i]);
    if (!problem.empty()) {
      complain("fovea classify: " + problem);
      return 2;
    }
    blocking += blocking_threads(pipelines[i]);
  }
  // Inputs by reference are read by the local workers, within this
  // process's fovea.shared-roots, s3-buckets and http-hosts.
  auto reader = worker_reference_reader(cfg);
  if (!reader) {
    complain("fovea classify: " + describe(reader.error()));
    return 2;
  }
  cfg.reserve_threads_for_inference(blocking);
  caf::actor_system sys{cfg};
  coordinator_options coordinator_opts;
  coordinator_opts.scheduling = cfg.scheduling();
  coordinator_opts.max_image_bytes = cfg.max_image_bytes;
  coordinator_opts.limits = cfg.limits();
  auto coordinator_handle = sys.spawn(coordinator, coordinator_opts);
  // Each local worker loads, checks and warms its own copy of the model (a
  // runner uses its model from one thread only), as many at once as there
  // are cores: two workers on two cores are ready in the time of one. The
  // first to start loads LibTorch itself (400 ms here: its 288 libraries
  // and operator tables). A model that fails stops the job.
  local_workers fleet{sys, cfg, coordinator_handle, *reader};
  job_stop stop;
  std::atomic<bool> job_over = false; // no use starting more workers
  auto start_worker = [&](unsigned i) {
    auto problem = fleet.start(cfg.model, std::move(pipelines[i]));
    if (!problem.empty() && fleet.fail(std::move(problem))) {
      job_over = true;
      stop.stop();
    }
  };
  auto loading = std::async(std::launch::async, [&] {
    auto at_once = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned first = 0; first < workers && !job_over; first += at_once) {
      std::vector<std::future<void>> group;
      for (auto i = first; i < first + at_once && i < workers; ++i)
        group.push_back(std::async(std::launch::async, start_worker, i));
    }
  });
  auto walked
    = walk_inputs(request->inputs, reference_walk(cfg, request->shared));
  client_options options;
  options.max_image_bytes = cfg.max_image_bytes;
  options.local_coordinator = coordinator_handle;
  auto code = run_job(sys, *request, std::move(walked), std::move(options),
                      nullptr, &stop);
  job_over = true;
  loading.get();
  // A failure stopped the job (run_job returned 2), unless the job had
  // finished on the workers that loaded first: then its rows stand.
  if (!fleet.failure().empty())
    complain("fovea classify: " + fleet.failure());
  fleet.stop();
  caf::anon_send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
  return code;
}

} // namespace fovea
