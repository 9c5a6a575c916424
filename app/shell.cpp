// fovea shell [HOST:PORT]
//
// An operator's console to a live cluster. The commands run in a shell
// actor (actors/shell.hpp) as coroutine flows; this file is the terminal:
// GNU readline with history (~/.fovea_history) and tab completion of
// commands, worker ids and job ids, or, when stdin is not a terminal, one
// command per line without prompts (exit 0 only if every command worked).
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "actors/shell.hpp"
#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/job_runner.hpp"
#include "app/subcommands.hpp"

namespace fovea {

namespace {

// Words of a command line; "double quotes" keep spaces in a path.
std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool quoted = false;
  bool have = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
      have = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (have)
        words.push_back(std::move(word));
      word.clear();
      have = false;
    } else {
      word += c;
      have = true;
    }
  }
  if (have)
    words.push_back(std::move(word));
  return words;
}

// The end of each command, handed from the shell actor to this thread.
class command_results {
public:
  void post(bool ok, coordinator_actor connected) {
    std::lock_guard<std::mutex> guard{mutex_};
    ok_ = ok;
    connected_ = std::move(connected);
    ready_ = true;
    changed_.notify_one();
  }

  bool take(coordinator_actor& connected) {
    std::unique_lock<std::mutex> guard{mutex_};
    changed_.wait(guard, [this] { return ready_; });
    ready_ = false;
    connected = connected_;
    return ok_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool ready_ = false;
  bool ok_ = false;
  coordinator_actor connected_;
};

// What tab completion offers: command names, then ids seen in output.
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

// Remembers ids from table output (first column) for completion.
void learn_ids(const std::string& table) {
  size_t start = table.find('\n'); // skip the header
  while (start != std::string::npos && start + 1 < table.size()) {
    auto end = table.find('\n', start + 1);
    auto row = table.substr(start + 1, end - start - 1);
    auto first = row.substr(0, row.find(' '));
    if (!first.empty())
      completions.insert(first);
    start = end;
  }
}

// submit PATH... [--out F] [--truth F] [--job NAME]: runs the job from this
// process, through the coordinator the shell is connected to, and waits.
bool submit(caf::actor_system& sys, const coordinator_actor& coordinator,
            const std::vector<std::string>& words) {
  if (!coordinator) {
    complain("not connected (connect HOST:PORT)");
    return false;
  }
  flag_spec spec;
  spec.own = {"out", "job", "truth"};
  auto line = split_command_line({words.begin() + 1, words.end()}, spec);
  if (!line.error.empty() || line.positional.empty()
      || !line.caf_args.empty()) {
    complain("usage: submit PATH... [--out F] [--truth F] [--job NAME]");
    return false;
  }
  auto request = job_request_from(line);
  client_options options;
  options.local_coordinator = coordinator;
  return run_job(sys, request, std::move(options)) == 0;
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
  command_results results;
  std::mutex output;
  shell_options options;
  options.print = [&](const std::string& text) {
    std::lock_guard<std::mutex> guard{output};
    std::cout << text << std::flush;
    learn_ids(text);
  };
  options.complain = [&](const std::string& line) {
    std::lock_guard<std::mutex> guard{output};
    std::cerr << "error: " << line << std::endl;
  };
  options.done = [&](bool ok, coordinator_actor connected) {
    results.post(ok, std::move(connected));
  };
  auto actor = sys.spawn(shell, std::move(options));
  for (auto& [usage, _] : shell_commands())
    completions.insert(usage.substr(0, usage.find(' ')));
  coordinator_actor coordinator;
  bool all_ok = true;
  auto execute = [&](const std::vector<std::string>& words) {
    bool ok = words[0] == "submit"
                ? submit(sys, coordinator, words)
                : (caf::anon_send(actor, command_atom::value, words),
                   results.take(coordinator));
    all_ok = all_ok && ok;
  };
  if (args.size() == 1)
    execute({"connect", args[0]});
  auto history = history_file();
  if (interactive) {
    ::read_history(history.c_str());
    ::rl_completion_entry_function = complete_word;
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
    execute(words);
  }
  if (interactive)
    ::write_history(history.c_str());
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  // A person at a terminal saw each error; a script needs the verdict.
  return interactive || all_ok ? 0 : 1;
}

} // namespace fovea
