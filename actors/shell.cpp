#include "actors/shell.hpp"

#include <caf/system_messages.hpp>

#include "actors/shell_flows.hpp"
#include "jobs/job_flags.hpp"

namespace fovea {

namespace {

using namespace shell_flows;

void help(shell_pointer self, const words& line) {
  std::string text;
  if (line.size() > 1 && line[1] == "submit")
    text = job_help(job_command::shell_submit); // every flag, one per line
  for (auto& command : shell_commands()) {
    if (!text.empty() || (line.size() > 1 && command.name != line[1]))
      continue;
    text += "  " + command.usage + "\n      " + command.help + "\n";
  }
  if (text.empty()) {
    fail(self, "help: no command " + line[1]);
    return;
  }
  print(self, text);
  done(self, true);
}

void run(shell_pointer self, const words& line) {
  auto command = find_shell_command(line[0]);
  if (!command || !command->run) {
    fail(self, "unknown command " + line[0] + " (try `help`)");
    return;
  }
  auto args = line.size() - 1;
  if (args < command->min_args || args > command->max_args) {
    fail(self, "usage: " + command->usage);
    return;
  }
  if (command->needs_coordinator && !self->state.coordinator) {
    fail(self, "not connected (connect HOST:PORT)");
    return;
  }
  command->run(self, line);
}

} // namespace

const std::vector<shell_command>& shell_commands() {
  using arg = shell_argument;
  static const std::vector<shell_command> commands = {
    {"help", "help [COMMAND]", "what the commands do", 0, 1, arg::command,
     false, help},
    {"connect", "connect HOST:PORT", "talk to the coordinator at HOST:PORT", 1,
     1, arg::none, false, run_connect},
    {"nodes", "nodes",
     "every node: id, role, host:port, model, credit, slots, in flight, done, "
     "images/s, up since",
     0, 0, arg::none, true, run_nodes},
    {"jobs", "jobs", "running and recent jobs, with each running one's share",
     0, 0, arg::none, true, run_jobs},
    {"submit",
     // The flags' one declaration: jobs/job_flags.cpp.
     job_usage(job_command::shell_submit).substr(7),
     "classify INPUTs on the cluster; waits for the job unless --detach "
     "(help submit: every flag)",
     1, SIZE_MAX, arg::path, true, nullptr},
    {"status", "status [JOB]",
     "progress and rate of a job (or of every running one)", 0, 1, arg::job,
     true, run_status},
    {"wait", "wait JOB", "wait until a job ends, then show its status", 1, 1,
     arg::job, true, run_wait_or_cancel},
    {"cancel", "cancel JOB", "stop a job; its client is told", 1, 1, arg::job,
     true, run_wait_or_cancel},
    {"drain", "drain WORKER",
     "let a worker finish what it holds, send it nothing new, then it "
     "leaves",
     1, 1, arg::worker, true, run_drain},
    {"stats", "stats", "cluster totals", 0, 0, arg::none, true, run_stats},
    {"models", "models",
     "each model served: its workers, their rate, and the jobs running on it",
     0, 0, arg::none, true, run_stats},
    {"ping", "ping", "check the coordinator answers, and how fast", 0, 0,
     arg::none, true, run_ping},
    {"quit", "quit", "leave the shell", 0, 0, arg::none, false, nullptr},
  };
  return commands;
}

const shell_command* find_shell_command(const std::string& name) {
  for (auto& command : shell_commands())
    if (command.name == name)
      return &command;
  return nullptr;
}

shell_actor::behavior_type shell(shell_pointer self, shell_options options) {
  self->state.options = std::move(options);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source != self->state.coordinator.address())
      return;
    self->state.coordinator = nullptr;
    self->state.options.complain(
      "lost the coordinator at " + self->state.address + " ("
      + caf::to_string(msg.reason) + "); `connect` to reconnect");
  });
  return {
    [self](command_atom, const std::vector<std::string>& line) {
      if (line.empty())
        done(self, true);
      else
        run(self, line);
    },
  };
}

} // namespace fovea
