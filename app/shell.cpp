// fovea shell [HOST:PORT]
//
// An operator's console to a live cluster. The commands run in a shell
// actor (actors/shell.hpp) as coroutine flows, driven by shell_driver; this
// file is the terminal: GNU readline with history (~/.fovea_history) and tab
// completion of commands, worker ids and job ids, or, when stdin is not a
// terminal, one command per line without prompts (exit 0 only if every
// command worked).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/shell_driver.hpp"
#include "app/subcommands.hpp"

namespace fovea {

namespace {

// What tab completion offers: command names and the ids seen so far.
std::set<std::string> completions;

char* complete_word(const char* text, int state) {
  static std::set<std::string>::const_iterator next;
  static std::string prefix;
  if (state == 0) {
    prefix = text;
    next = completions.lower_bound(prefix);
  }
  if (next != completions.end() && next->compare(0, prefix.size(), prefix) == 0)
    return ::strdup((next++)->c_str());
  return nullptr;
}

std::string history_file() {
  auto home = std::getenv("HOME");
  return std::string{home ? home : "."} + "/.fovea_history";
}

} // namespace

int shell_main(const arguments& args) {
  if (args.size() > 1 || (args.size() == 1 && args[0].rfind("--", 0) == 0)) {
    complain("usage: fovea shell [HOST:PORT]");
    return 2;
  }
  fovea_config cfg;
  if (auto problem = cfg.configure({}); !problem.empty()) {
    complain("fovea shell: " + problem);
    return 2;
  }
  const bool interactive = ::isatty(STDIN_FILENO) == 1;
  caf::actor_system sys{cfg};
  shell_driver driver{sys};
  bool all_ok = true;
  if (args.size() == 1)
    all_ok = driver.execute({"connect", args[0]});
  auto history = history_file();
  if (interactive) {
    ::read_history(history.c_str());
    ::rl_completion_entry_function = complete_word;
    for (auto& [usage, _] : shell_commands())
      completions.insert(usage.substr(0, usage.find(' ')));
  }
  for (;;) {
    std::string line;
    if (interactive) {
      char* raw = ::readline("fovea> ");
      if (!raw)
        break; // Ctrl-D
      line = raw;
      std::free(raw);
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
    if (interactive)
      for (auto& id : driver.seen_ids())
        completions.insert(id);
  }
  if (interactive)
    ::write_history(history.c_str());
  // A person at a terminal saw each error; a script needs the verdict.
  return interactive || all_ok ? 0 : 1;
}

} // namespace fovea
