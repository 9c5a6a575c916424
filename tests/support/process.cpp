#include "tests/support/process.hpp"

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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

child_process::child_process(std::vector<std::string> args, std::string cwd) {
  if (cwd.empty())
    cwd = source_dir();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return;
  args.insert(args.begin(), fovea_binary());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    if (::chdir(cwd.c_str()) != 0)
      ::_exit(127);
    // The test runner may block signals; a node must see SIGTERM as usual.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
}

child_process::~child_process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

bool child_process::read_some(std::chrono::milliseconds budget) {
  if (out_fd_ < 0)
    return false;
  pollfd pfd{out_fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(budget.count())) <= 0)
    return true; // nothing yet
  char buf[4096];
  auto n = ::read(out_fd_, buf, sizeof(buf));
  if (n <= 0) {
    ::close(out_fd_);
    out_fd_ = -1;
    return false; // end of output: the process closed it or died
  }
  output_.append(buf, static_cast<size_t>(n));
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
    if (!read_some(std::min(budget, std::chrono::milliseconds(200))))
      return std::nullopt;
  }
}

int child_process::wait_for_exit(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited_) {
    int status = 0;
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                     : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return -1;
    if (!read_some(std::chrono::milliseconds(50)) && out_fd_ < 0) {
      // Output closed; the exit status follows at once. Block for it, but
      // only briefly, by polling waitpid again.
      ::poll(nullptr, 0, 10);
    }
  }
  while (read_some(std::chrono::milliseconds(0)) && out_fd_ >= 0) {
  }
  return exit_code_;
}

int child_process::stop(int signal, std::chrono::seconds timeout) {
  if (!exited_)
    ::kill(pid_, signal);
  return wait_for_exit(timeout);
}

std::pair<int, std::string> run_fovea(std::vector<std::string> args,
                                      std::chrono::seconds timeout) {
  child_process child{std::move(args)};
  auto code = child.wait_for_exit(timeout);
  return {code, child.output()};
}

} // namespace fovea::test
