// local_workers: the worker actors of `fovea classify`'s embedded cluster,
// each started by the thread that loaded its model, the moment it loaded.
//
// Guarantees:
//   - A worker registers with the coordinator only once its model has
//     loaded, passed its graph check and warmed up, as a worker node does.
//   - The first model to load says which graph it serves, once.
//   - The first failure is kept (fail() says whether it was the first);
//     later ones, of the same model, add nothing.
//   - Thread-safe: start() runs on several loading threads at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "actors/worker.hpp"
#include "app/fovea_config.hpp"
#include "storage/reference_reader.hpp"

namespace fovea {

class local_workers {
public:
  /// With a `reader`, each worker reads its inputs' references through it.
  local_workers(caf::actor_system& sys, const fovea_config& cfg,
                coordinator_actor coordinator,
                std::shared_ptr<reference_reader> reader = nullptr);

  /// Loads the model in `folder` for a worker with `pipeline`, then spawns
  /// it; returns the empty string, or why the model does not load.
  std::string start(const std::string& folder, inference_options pipeline);

  /// Keeps `problem` if it is the first; true if it was.
  bool fail(std::string problem);

  /// The first failure, or the empty string.
  std::string failure() const;

  /// Ends every worker started.
  void stop();

private:
  caf::actor_system& sys_;
  const fovea_config& cfg_;
  coordinator_actor coordinator_;
  std::shared_ptr<reference_reader> reader_;
  std::once_flag threads_set_;
  mutable std::mutex lock_;
  std::vector<worker_actor> workers_;
  bool told_graph_ = false;
  std::string failure_;
};

} // namespace fovea
