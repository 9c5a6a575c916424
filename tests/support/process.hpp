// A child process for integration tests: the real `fovea` binary, its
// stdout and stderr read through a pipe, waited on by content (ready lines),
// never by sleeping. The destructor kills what is still running.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fovea::test {

/// The fovea binary and the source tree, as CMake told the test build.
std::string fovea_binary();
std::string source_dir();

/// How to start a child on a pseudo-terminal, as a person runs it: its
/// stdin, stdout and stderr are the terminal; `environment` entries
/// (NAME=value) are added to this process's, replacing the same NAME.
struct on_terminal {
  std::vector<std::string> environment;
};

/// How to start a child as another (unprivileged) user: root reads every
/// file, so permission cases run as nobody.
struct as_user {
  uid_t uid = 65534; ///< nobody
  gid_t gid = 65534; ///< nogroup
};

/// How to start a program other than fovea (a test server, say): its
/// path, and `environment` entries as on_terminal's.
struct other_program {
  std::string path;
  std::vector<std::string> environment;
};

class child_process {
public:
  /// Starts `fovea args...` in `cwd` (the source tree by default).
  explicit child_process(std::vector<std::string> args, std::string cwd = {});

  /// Starts `fovea args...` in the source tree on a terminal of its own;
  /// write_input types, output() is what the terminal shows.
  child_process(std::vector<std::string> args, const on_terminal& terminal);

  /// Starts `fovea args...` in the source tree as `user` (the test must run
  /// as root to switch; check started()).
  child_process(std::vector<std::string> args, const as_user& user);

  /// Starts `program args...` in `cwd` (the source tree by default).
  child_process(std::vector<std::string> args, const other_program& program,
                std::string cwd = {});

  bool started() const noexcept { return pid_ > 0; }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  /// Reads output until a line contains `text`; returns that line, or
  /// nothing if the process ends or `timeout` passes first.
  std::optional<std::string> wait_for_line(const std::string& text,
                                           std::chrono::seconds timeout);

  /// Waits for the process to exit (reading its output meanwhile); returns
  /// its exit code, or -1 if it did not exit within `timeout`.
  int wait_for_exit(std::chrono::seconds timeout);

  /// Sends `signal`, then waits for the exit code as wait_for_exit does.
  int stop(int signal, std::chrono::seconds timeout);

  /// Writes to the process's stdin (a pipe; it sees EOF after close_input).
  void write_input(const std::string& text);
  void close_input();

  /// Takes in what has arrived, without waiting; true if it still runs.
  bool running();

  /// Sends `signal` without waiting (SIGSTOP, SIGCONT, SIGKILL mid-job).
  void signal(int signal);

  pid_t pid() const noexcept { return pid_; }

  /// Bytes it read in all (rchar of /proc/PID/io: files, pipes, sockets),
  /// taken as it exited; 0 before.
  uint64_t read_chars() const noexcept { return read_chars_; }

  /// Everything the process printed so far (stdout and stderr together).
  const std::string& output() const noexcept { return output_; }

private:
  void start(std::vector<std::string> args, std::string cwd,
             const on_terminal* terminal, const as_user* user = nullptr,
             const other_program* program = nullptr);

  /// Waits up to `budget` for output or the process's exit, and takes in
  /// whichever came. False once the output is closed and the exit reaped.
  bool await_event(std::chrono::milliseconds budget);

  void reap();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int in_fd_ = -1;
  int exit_fd_ = -1; ///< pidfd: readable once the process has exited
  int exit_code_ = -1;
  bool exited_ = false;
  std::string output_;
  size_t scanned_ = 0; ///< output_ before this offset was already matched
  uint64_t read_chars_ = 0;
};

/// The line of `node`'s output that contains `text`: one it printed
/// already (which wait_for_line, having read past it, would not see
/// again), or the next to come within `timeout`; nothing if none.
std::optional<std::string> printed_line(child_process& node,
                                        const std::string& text,
                                        std::chrono::seconds timeout);

/// Runs a shell command (another program: openssl, say) to its end, with
/// stdin from /dev/null, killed after `seconds`; returns {exit code,
/// stdout and stderr}.
std::pair<int, std::string> run_command(const std::string& command,
                                        int seconds = 30);

/// The peak resident memory of process `pid` (VmHWM), in bytes; 0 if gone.
uint64_t peak_rss(pid_t pid);

/// Its resident memory now (VmRSS), in bytes; 0 if gone.
uint64_t current_rss(pid_t pid);

/// The CPU time (user + system) process `pid` used so far, in seconds.
double cpu_seconds(pid_t pid);

/// Runs `fovea args...` to its end and returns {exit code, output}.
std::pair<int, std::string> run_fovea(std::vector<std::string> args,
                                      std::chrono::seconds timeout
                                      = std::chrono::seconds(120));

} // namespace fovea::test
