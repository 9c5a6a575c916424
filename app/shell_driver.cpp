#include "app/shell_driver.hpp"

#include <cstdlib>
#include <future>
#include <iostream>

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "app/command_line.hpp"
#include "app/console.hpp"

namespace fovea {

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

shell_driver::shell_driver(caf::actor_system& sys,
                           std::shared_ptr<route_table> routes)
  : sys_(sys) {
  shell_options options;
  options.routes = std::move(routes);
  options.print = [](const std::string& text) {
    std::cout << text << std::flush;
  };
  options.complain = [](const std::string& line) {
    complain("error: " + line);
  };
  options.done = [this](bool ok, coordinator_actor connected) {
    std::lock_guard<std::mutex> guard{mutex_};
    ok_ = ok;
    coordinator_ = std::move(connected);
    ready_ = true;
    changed_.notify_one();
  };
  options.saw_nodes = [this](const std::vector<node_row>& nodes) {
    std::lock_guard<std::mutex> guard{mutex_};
    nodes_ = nodes;
  };
  actor_ = sys.spawn(shell, std::move(options));
}

shell_driver::~shell_driver() {
  for (auto& job : background_)
    job.thread.join();
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
}

void shell_driver::close() {
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
}

std::optional<job_summary> shell_driver::last_job() {
  std::lock_guard<std::mutex> guard{mutex_};
  return last_job_;
}

void shell_driver::join_background(uint64_t id) {
  for (auto i = background_.begin(); i != background_.end(); ++i)
    if (i->id->load() == id) {
      i->thread.join();
      if (*i->summary) {
        std::lock_guard<std::mutex> guard{mutex_};
        last_job_ = *i->summary;
      }
      background_.erase(i);
      return;
    }
}

bool shell_driver::execute(const std::vector<std::string>& words) {
  if (words.empty())
    return true;
  if (words[0] == "submit")
    return submit(words);
  caf::anon_send(actor_, command_atom::value, words);
  bool ok = false;
  {
    std::unique_lock<std::mutex> guard{mutex_};
    changed_.wait(guard, [this] { return ready_; });
    ready_ = false;
    ok = ok_;
  }
  // The coordinator says the job ended; its detached client may still be
  // writing the results file.
  if (words[0] == "wait" && words.size() == 2)
    join_background(std::strtoull(words[1].c_str(), nullptr, 10));
  return ok;
}

std::vector<node_row> shell_driver::last_nodes() {
  std::lock_guard<std::mutex> guard{mutex_};
  return nodes_;
}

coordinator_actor shell_driver::coordinator() {
  std::lock_guard<std::mutex> guard{mutex_};
  return coordinator_;
}

namespace {

// Asks the coordinator for its rows of one kind and keeps the id `pick`
// gives each (nullopt: not this row). Completion asks while a person waits
// at the prompt: a second at most, then nothing is offered.
template <class Row, class Atom>
std::vector<Row> ask_rows(caf::actor_system& sys,
                          const coordinator_actor& where, Atom what) {
  std::vector<Row> rows;
  if (!where)
    return rows;
  caf::scoped_actor self{sys};
  self->request(where, std::chrono::seconds(1), what)
    .receive([&](std::vector<Row>& answer) { rows = std::move(answer); },
             [](const caf::error&) {});
  return rows;
}

template <class Row, class Atom, class Pick>
std::vector<std::string> ask_ids(caf::actor_system& sys,
                                 const coordinator_actor& where, Atom what,
                                 Pick pick) {
  std::vector<std::string> ids;
  for (auto& row : ask_rows<Row>(sys, where, what))
    if (auto id = pick(row))
      ids.push_back(std::move(*id));
  return ids;
}

} // namespace

std::vector<std::string> shell_driver::worker_ids() {
  return ask_ids<node_row>(
    sys_, coordinator(), nodes_atom::value,
    [](const node_row& row) -> std::optional<std::string> {
      if (row.role != node_role::worker)
        return std::nullopt;
      return row.id;
    });
}

std::vector<std::string> shell_driver::job_ids() {
  return ask_ids<job_row>(
    sys_, coordinator(), jobs_atom::value,
    [](const job_row& row) -> std::optional<std::string> {
      return std::to_string(row.id);
    });
}

std::vector<job_row> shell_driver::jobs() {
  return ask_rows<job_row>(sys_, coordinator(), jobs_atom::value);
}

std::vector<std::string> shell_driver::running_job_ids() {
  return ask_ids<job_row>(
    sys_, coordinator(), jobs_atom::value,
    [](const job_row& row) -> std::optional<std::string> {
      if (row.state != job_state::running)
        return std::nullopt;
      return std::to_string(row.id);
    });
}

// submit INPUT... with the flags job_flags gives the shell's submit: runs
// the job from this process, through the coordinator the shell is
// connected to, and waits (unless --detach).
bool shell_driver::submit(const std::vector<std::string>& words) {
  auto coordinator = this->coordinator();
  if (!coordinator) {
    complain("error: not connected (connect HOST:PORT)");
    return false;
  }
  std::vector<std::string> args{words.begin() + 1, words.end()};
  auto line = split_command_line(args,
                                 job_flag_spec(job_command::shell_submit));
  if (!line.error.empty() || line.positional.empty()
      || !line.caf_args.empty()) {
    complain("error: " + (line.error.empty() ? std::string{} : line.error + "; ")
             + job_usage(job_command::shell_submit) + " (help submit)");
    return false;
  }
  auto detach = line.flags.count("detach") > 0;
  client_options options;
  options.local_coordinator = coordinator;
  auto request = job_request_from(line);
  if (auto problem = job_flags_problem(request); !problem.empty()) {
    complain("error: " + problem);
    return false;
  }
  if (!detach) {
    job_summary summary;
    if (run_job(sys_, request, std::move(options), &summary) != 0)
      return false;
    std::lock_guard<std::mutex> guard{mutex_};
    last_job_ = summary;
    return true;
  }
  auto id = std::make_shared<std::atomic<uint64_t>>(0);
  // Set once: when the coordinator opened the job, or when it never will.
  auto opened = std::make_shared<std::promise<void>>();
  auto opened_once = std::make_shared<std::once_flag>();
  auto mark_opened = [opened, opened_once] {
    std::call_once(*opened_once, [&] { opened->set_value(); });
  };
  auto opened_future = opened->get_future();
  options.on_job = [id, mark_opened](uint64_t job) {
    id->store(job);
    mark_opened();
  };
  auto finished = std::make_shared<std::optional<job_summary>>();
  auto thread = std::thread{[this, request, options, mark_opened,
                             finished]() mutable {
    job_summary summary;
    auto code = run_job(sys_, request, std::move(options), &summary);
    mark_opened();
    if (code == 0) {
      *finished = summary;
      std::lock_guard<std::mutex> guard{mutex_};
      last_job_ = summary;
    }
  }};
  background_.push_back({id, std::move(thread), finished});
  // Say the job's number once the coordinator gave one (or the job failed).
  opened_future.wait();
  if (id->load() == 0)
    return false; // refused: the thread said why
  std::cout << "job " << id->load() << " submitted; `wait " << id->load()
            << "` waits for it\n"
            << std::flush;
  return true;
}

} // namespace fovea
