// The shell actor: runs an operator's commands against a coordinator, one
// at a time, each as a coroutine flow of typed requests (fovea shell and
// fovea run drive it; people type, scripts say the same words).
//
// It prints through `print` (results, tables) and `complain` (one line per
// error) and reports the end of every command through `done`, with whether
// it succeeded and the coordinator it is connected to now. It stays up when
// a command fails or the coordinator goes away (it says so; `connect`
// works again).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/endpoint.hpp"
#include "edge/route_table.hpp"
#include "messages/interfaces.hpp"

namespace fovea {

using shell_actor
  = caf::typed_actor<caf::reacts_to<command_atom, std::vector<std::string>>>;

struct shell_options {
  std::function<void(const std::string&)> print;
  std::function<void(const std::string&)> complain;
  /// Called once per command, on the shell's thread.
  std::function<void(bool ok, coordinator_actor connected)> done;
  /// What `nodes` saw (for `expect nodes`).
  std::function<void(const std::vector<node_row>&)> saw_nodes;
  caf::timespan request_timeout = std::chrono::seconds(10);
  /// The edge's routes to coordinators; null: CAF connects directly.
  std::shared_ptr<route_table> routes;
};

struct shell_state {
  shell_options options;
  coordinator_actor coordinator;
  std::string address; ///< what `connect` was given

  static inline const char* name = "fovea.shell";
};

shell_actor::behavior_type
shell(shell_actor::stateful_pointer<shell_state> self, shell_options options);

/// What a command's argument is, for tab completion.
enum class shell_argument { none, command, worker, job, path };

/// One shell command: its dispatch, help and completion in one place.
struct shell_command {
  std::string name;
  std::string usage; ///< for help and usage errors
  std::string help;  ///< one line
  size_t min_args = 0;
  size_t max_args = 0;
  shell_argument completes = shell_argument::none;
  bool needs_coordinator = true;
  /// Runs it in the shell actor; null for the commands its driver runs in
  /// its own process (submit reads this machine's files; quit ends it).
  void (*run)(shell_actor::stateful_pointer<shell_state>,
              const std::vector<std::string>&) = nullptr;
};

/// Every command of the shell and of `fovea run` scripts.
const std::vector<shell_command>& shell_commands();

/// The command named `name`, if there is one.
const shell_command* find_shell_command(const std::string& name);

} // namespace fovea
