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

/// The commands the shell actor knows, with one line of help each.
const std::vector<std::pair<std::string, std::string>>& shell_commands();

} // namespace fovea
