// fovea shell [HOST:PORT]
//
// An operator's console to a live cluster. The commands run in a shell
// actor (actors/shell.hpp) as coroutine flows, driven by shell_driver; this
// file is the terminal: GNU readline with history (~/.fovea_history) and tab
// completion of commands, worker ids and job ids, or, when stdin is not a
// terminal, one command per line without prompts (exit 0 only if every
// command worked).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "actors/remote.hpp"
#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/node_edge.hpp"
#include "app/shell_driver.hpp"
#include "app/subcommands.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

// Tab completion. The first word is a command, and so is help's argument;
// drain's argument is a worker id and status, wait and cancel take a job
// number, both asked of the coordinator as the key is pressed (so a worker
// that joined a moment ago is offered); anything else, submit's paths and
// --out files among it, completes as a file name, readline's default.
shell_driver* completing_for = nullptr;
std::vector<std::string> candidates;

char* next_candidate(const char* text, int state) {
  static size_t next = 0;
  if (state == 0)
    next = 0;
  while (next < candidates.size()) {
    auto& word = candidates[next++];
    if (word.rfind(text, 0) == 0)
      return ::strdup(word.c_str());
  }
  return nullptr;
}

char** complete(const char* text, int start, int) {
  auto before = split_words(std::string(::rl_line_buffer, start));
  auto kind = shell_argument::command;
  if (!before.empty()) {
    auto command = find_shell_command(before[0]);
    if (!command || before.size() > command->max_args)
      return nullptr;
    kind = command->completes;
  }
  switch (kind) {
    case shell_argument::command:
      candidates.clear();
      for (auto& command : shell_commands())
        candidates.push_back(command.name);
      break;
    case shell_argument::worker:
      candidates = completing_for->worker_ids();
      break;
    case shell_argument::job:
      candidates = completing_for->job_ids();
      break;
    default:
      return nullptr; // a file name, readline's default
  }
  ::rl_attempted_completion_over = 1; // no file names where an id belongs
  return ::rl_completion_matches(text, next_candidate);
}

std::string history_file() {
  auto home = std::getenv("HOME");
  return std::string{home ? home : "."} + "/.fovea_history";
}

} // namespace

int shell_main(const arguments& args) {
  auto cli = split_command_line(args, flag_spec{});
  if (!cli.error.empty() || cli.positional.size() > 1) {
    complain("usage: fovea shell [HOST:PORT] [--config FILE] "
             "[--fovea.KEY=VALUE ...]");
    return 2;
  }
  fovea_config cfg;
  if (auto problem = cfg.configure(cli.caf_args); !problem.empty()) {
    complain("fovea shell: " + problem);
    return 2;
  }
  const bool interactive = ::isatty(STDIN_FILENO) == 1;
  auto front = open_edge(cfg, node_kind::console, "fovea shell");
  if (!front)
    return 2;
  caf::actor_system sys{cfg};
  edge_attachment attached{sys, front->get()};
  shell_driver driver{sys, *front};
  bool all_ok = true;
  if (cli.positional.size() == 1)
    all_ok = driver.execute({"connect", cli.positional[0]});
  auto history = history_file();
  if (interactive) {
    ::read_history(history.c_str());
    completing_for = &driver;
    ::rl_attempted_completion_function = complete;
  }
  for (;;) {
    std::string line;
    if (interactive) {
      char* raw = ::readline("fovea> ");
      if (!raw)
        break; // Ctrl-D
      line = raw;
      std::free(raw);
      // Completion leaves a space after the word; history keeps the command.
      line.erase(line.find_last_not_of(" \t") + 1);
      if (!line.empty())
        ::add_history(line.c_str());
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    auto words = split_words(line);
    if (words.empty() || words[0][0] == '#')
      continue;
    if (words[0] == "quit" || words[0] == "exit")
      break;
    all_ok = driver.execute(words) && all_ok;
  }
  if (interactive)
    ::write_history(history.c_str());
  // A person at a terminal saw each error; a script needs the verdict.
  return interactive || all_ok ? 0 : 1;
}

} // namespace fovea
