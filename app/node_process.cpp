#include "app/node_process.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fovea {

namespace {

// Pids of running nodes, for kill_all_now() in a signal handler: a fixed
// array of atomics, no allocation, no locks.
std::array<std::atomic<pid_t>, 256> live_nodes{};

void remember(pid_t pid) {
  for (auto& slot : live_nodes) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid))
      return;
  }
}

void forget(pid_t pid) {
  for (auto& slot : live_nodes) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0))
      return;
  }
}

} // namespace

node_process::node_process(std::string name,
                           const std::vector<std::string>& args,
                           std::string log,
                           const std::vector<std::string>& prefix)
  : name_(std::move(name)), log_(std::move(log)) {
  // Made before fork(): the child may only make async-signal-safe calls.
  char self[4096] = {};
  if (::readlink("/proc/self/exe", self, sizeof(self) - 1) <= 0)
    return;
  std::vector<std::string> argv_text{prefix};
  argv_text.push_back(self);
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  const std::string program = argv_text.front();
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0644);
  if (out < 0)
    return;
  auto parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Dies with the runner, whatever kills it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    auto null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out);
  if (pid_ > 0)
    remember(pid_);
}

node_process::~node_process() {
  if (started() && running())
    stop(std::chrono::seconds(10));
}

bool node_process::running() {
  if (!started() || exit_code_)
    return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_)
    return true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                 : 128 + WTERMSIG(status);
  forget(pid_);
  return false;
}

std::optional<std::string>
node_process::wait_for_line(const std::string& text,
                            std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // The log is the node's own output; read it whole each time (it is
    // small until the node is ready, which is when this is used).
    std::ifstream in{log_};
    for (std::string line; std::getline(in, line);)
      if (line.find(text) != std::string::npos)
        return line;
    if (!running() || std::chrono::steady_clock::now() > deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void node_process::signal(int signal) {
  if (running())
    ::kill(pid_, signal);
}

int node_process::stop(std::chrono::seconds grace) {
  signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exit_code_ = 128 + SIGKILL;
      forget(pid_);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_.value_or(-1);
}

void node_process::kill_all_now() noexcept {
  for (auto& slot : live_nodes) {
    auto pid = slot.load();
    if (pid > 0)
      ::kill(pid, SIGKILL);
  }
  // Reaped before returning: a node in a network namespace has closed its
  // sockets by then, so their FINs cross the bridge before it goes (sockets
  // orphaned without a path keep the namespace alive for minutes).
  for (auto& slot : live_nodes) {
    auto pid = slot.load();
    if (pid > 0)
      ::waitpid(pid, nullptr, 0);
  }
}

} // namespace fovea
