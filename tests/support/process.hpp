#pragma once
// Starting and stopping other programs from tests (xfreerdp, rdesktop, the rdpfault CLI),
// with every wait bounded and the whole process group killed at the end.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace rdpfault::test {

class ChildProcess {
 public:
  /// Starts argv[0] (looked up in PATH) in its own process group, stdin from /dev/null,
  /// stdout+stderr to `log_path` (or /dev/null).
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path = "/dev/null",
               bool capture_stdout = false) {
    int out[2] = {-1, -1};
    if (capture_stdout && pipe2(out, O_CLOEXEC) != 0) return;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (capture_stdout) posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    if (posix_spawnp(&pid_, args[0], &fa, &attr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (capture_stdout) {
      ::close(out[1]);
      out_fd_ = out[0];
    }
  }

  /// The next line of the child's stdout (capture_stdout), waiting at most `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (out_fd_ < 0 || left.count() <= 0) return std::nullopt;
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  ~ChildProcess() {
    kill_and_reap();
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  /// Waits up to `timeout` for the process to exit; returns its wait status if it did.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    // A pidfd becomes readable when the process exits: a bounded wait with no polling loop.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
      ::close(pidfd);
      if (ready <= 0) return std::nullopt;
    }
    int status = 0;
    if (waitpid(pid_, &status, pidfd >= 0 ? 0 : WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    return status;
  }

  void kill_and_reap() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

inline bool have_program(const std::string& name) {
  std::string cmd = "command -v " + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace rdpfault::test
