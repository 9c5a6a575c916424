#include "tests/support/process.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <grp.h>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#ifndef FOVEA_BINARY
#  error "tests need FOVEA_BINARY (set by tests/CMakeLists.txt)"
#endif

namespace fovea::test {

std::string fovea_binary() {
  return FOVEA_BINARY;
}

std::string source_dir() {
  return FOVEA_SOURCE_DIR;
}

namespace {

// This process's environment, for a child. Under the sanitizer build, nodes
// keep ASan and UBSan but not LSan: CAF 0.17 can leave a reference cycle
// (basp_broker, a remote proxy, mailbox elements in flight) when a node
// exits while its peer is still connected, reported as indirect leaks only.
// The same actors are leak-checked in-process by the actor tests.
std::vector<std::string>
child_environment(const std::vector<std::string>& overrides) {
  auto name_of = [](const std::string& entry) {
    return entry.substr(0, entry.find('=') + 1);
  };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    if (entry.rfind("ASAN_OPTIONS=", 0) == 0)
      entry += ":detect_leaks=0";
    bool replaced = false;
    for (auto& o : overrides)
      replaced = replaced || name_of(o) == name_of(entry);
    if (!replaced)
      env.push_back(std::move(entry));
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

// The parent's side of a new pseudo-terminal and the path of the child's.
bool open_terminal(int& parent_side, std::string& child_path) {
  parent_side = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[128];
  if (parent_side < 0)
    return false;
  if (::grantpt(parent_side) != 0 || ::unlockpt(parent_side) != 0
      || ::ptsname_r(parent_side, name, sizeof(name)) != 0) {
    ::close(parent_side);
    parent_side = -1;
    return false;
  }
  child_path = name;
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 160;
  ::ioctl(parent_side, TIOCSWINSZ, &size);
  return true;
}

} // namespace

child_process::child_process(std::vector<std::string> args, std::string cwd) {
  start(std::move(args), std::move(cwd), nullptr);
}

child_process::child_process(std::vector<std::string> args,
                             const on_terminal& terminal) {
  start(std::move(args), {}, &terminal);
}

child_process::child_process(std::vector<std::string> args,
                             const as_user& user) {
  start(std::move(args), {}, nullptr, &user);
}

child_process::child_process(std::vector<std::string> args,
                             const other_program& program, std::string cwd) {
  start(std::move(args), std::move(cwd), nullptr, nullptr, &program);
}

void child_process::start(std::vector<std::string> args, std::string cwd,
                          const on_terminal* terminal, const as_user* user,
                          const other_program* program) {
  if (cwd.empty())
    cwd = source_dir();
  int fds[2] = {-1, -1};
  int input[2] = {-1, -1};
  std::string terminal_path;
  if (terminal ? !open_terminal(fds[0], terminal_path)
               : ::pipe2(fds, O_CLOEXEC) != 0 || ::pipe2(input, O_CLOEXEC) != 0)
    return;
  if (terminal)
    input[1] = ::fcntl(fds[0], F_DUPFD_CLOEXEC, 0);
  args.insert(args.begin(), program ? program->path : fovea_binary());
  // Everything the child needs is made before fork(): between fork and exec
  // only async-signal-safe calls are allowed (no malloc) in a threaded test.
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env = child_environment(terminal  ? terminal->environment
                               : program ? program->environment
                                         : std::vector<std::string>{});
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (terminal) {
      // A session of its own, whose controlling terminal is the new one.
      ::setsid();
      input[0] = fds[1] = ::open(terminal_path.c_str(), O_RDWR);
    }
    ::dup2(input[0], STDIN_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    if (terminal && fds[1] > STDERR_FILENO)
      ::close(fds[1]);
    if (::chdir(cwd.c_str()) != 0)
      ::_exit(127);
    if (user
        && (::setgroups(0, nullptr) != 0 || ::setgid(user->gid) != 0
            || ::setuid(user->uid) != 0))
      ::_exit(126);
    // The test runner may block signals; a node must see SIGTERM as usual.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (!terminal) {
    ::close(fds[1]);
    ::close(input[0]);
  }
  out_fd_ = fds[0];
  in_fd_ = input[1];
  // glibc 2.36's <sys/pidfd.h> lacks extern "C", so call it directly.
  exit_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

child_process::~child_process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
  close_input();
  if (exit_fd_ >= 0)
    ::close(exit_fd_);
}

void child_process::reap() {
  // Its I/O counters while it is a zombie still: gone once reaped.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) == 0) {
    std::ifstream io{"/proc/" + std::to_string(pid_) + "/io"};
    for (std::string name; io >> name;) {
      uint64_t value = 0;
      io >> value;
      if (name == "rchar:")
        read_chars_ = value;
    }
  }
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_) {
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                   : 128 + WTERMSIG(status);
  }
}

bool child_process::await_event(std::chrono::milliseconds budget) {
  if (exit_fd_ < 0 && out_fd_ < 0 && !exited_)
    reap(); // no pidfd (old kernel): the closed output is our exit signal
  pollfd fds[2];
  nfds_t count = 0;
  int out = -1;
  int exit = -1;
  if (out_fd_ >= 0) {
    out = static_cast<int>(count);
    fds[count++] = {out_fd_, POLLIN, 0};
  }
  if (!exited_ && exit_fd_ >= 0) {
    exit = static_cast<int>(count);
    fds[count++] = {exit_fd_, POLLIN, 0};
  }
  if (count == 0)
    return false; // output closed and exit reaped: nothing more will come
  if (::poll(fds, count, static_cast<int>(budget.count())) <= 0)
    return true;
  if (out >= 0 && fds[out].revents != 0) {
    char buf[4096];
    auto n = ::read(out_fd_, buf, sizeof(buf));
    if (n > 0) {
      output_.append(buf, static_cast<size_t>(n));
    } else {
      ::close(out_fd_);
      out_fd_ = -1;
    }
  }
  if (exit >= 0 && fds[exit].revents != 0)
    reap();
  return true;
}

std::optional<std::string>
child_process::wait_for_line(const std::string& text,
                             std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Look at complete lines only, each once.
    for (auto end = output_.find('\n', scanned_); end != std::string::npos;
         end = output_.find('\n', scanned_)) {
      auto line = output_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(text) != std::string::npos)
        return line;
    }
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0))
      return std::nullopt;
    auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(left);
    if (!await_event(budget))
      return std::nullopt; // it ended without printing `text`
  }
}

int child_process::wait_for_exit(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited_ || out_fd_ >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0))
      return exited_ ? exit_code_ : -1;
    if (!await_event(left))
      break;
  }
  return exit_code_;
}

void child_process::write_input(const std::string& text) {
  size_t done = 0;
  while (in_fd_ >= 0 && done < text.size()) {
    auto n = ::write(in_fd_, text.data() + done, text.size() - done);
    if (n <= 0)
      break; // the process closed its stdin or ended: nothing to deliver to
    done += static_cast<size_t>(n);
  }
}

void child_process::close_input() {
  if (in_fd_ >= 0)
    ::close(std::exchange(in_fd_, -1));
}

bool child_process::running() {
  while (!exited_ && await_event(std::chrono::milliseconds(0)) && !exited_) {
    pollfd probe{out_fd_, POLLIN, 0};
    if (out_fd_ < 0 || ::poll(&probe, 1, 0) <= 0)
      break; // nothing more to take in now
  }
  return !exited_;
}

void child_process::signal(int signal) {
  if (!exited_)
    ::kill(pid_, signal);
}

int child_process::stop(int signal, std::chrono::seconds timeout) {
  if (!exited_)
    ::kill(pid_, signal);
  return wait_for_exit(timeout);
}

std::pair<int, std::string> run_fovea(std::vector<std::string> args,
                                      std::chrono::seconds timeout) {
  child_process child{std::move(args)};
  child.close_input();
  auto code = child.wait_for_exit(timeout);
  return {code, child.output()};
}

} // namespace fovea::test

namespace fovea::test {

std::optional<std::string> printed_line(child_process& node,
                                        const std::string& text,
                                        std::chrono::seconds timeout) {
  auto& seen = node.output();
  if (auto at = seen.find(text); at != std::string::npos) {
    auto start = seen.rfind('\n', at);
    start = start == std::string::npos ? 0 : start + 1;
    return seen.substr(start, seen.find('\n', at) - start);
  }
  return node.wait_for_line(text, timeout);
}

std::pair<int, std::string> run_command(const std::string& command,
                                        int seconds) {
  auto line = "timeout " + std::to_string(seconds) + " " + command
              + " </dev/null 2>&1";
  auto* pipe = ::popen(line.c_str(), "r");
  if (!pipe)
    return {-1, "popen failed"};
  std::string output;
  char chunk[4096];
  while (auto n = std::fread(chunk, 1, sizeof(chunk), pipe))
    output.append(chunk, n);
  auto status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

namespace {

// A "Field:   123 kB" line of /proc/PID/status, in bytes; 0 if gone.
uint64_t status_bytes(pid_t pid, const std::string& field) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field, 0) == 0)
      return std::stoull(line.substr(field.size())) * 1024; // kB
  return 0;
}

} // namespace

uint64_t peak_rss(pid_t pid) {
  return status_bytes(pid, "VmHWM:");
}

uint64_t current_rss(pid_t pid) {
  return status_bytes(pid, "VmRSS:");
}

double cpu_seconds(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text;
  std::getline(stat, text);
  // After the name in parentheses: fields 3.. ; utime and stime are 14, 15.
  std::istringstream fields{text.substr(text.rfind(')') + 2)};
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i >= 14)
      ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace fovea::test
