// The parent side: spawn rdpfault-driver, feed it the request, follow its output, and make
// sure it is gone by the deadline.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "rdpfault/client/driver.hpp"

extern char** environ;

namespace rdpfault::client {
namespace {

constexpr std::size_t kStderrKeep = 8192;

std::string resolve_driver(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("RDPFAULT_DRIVER"); env && *env) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto next_to = self.parent_path() / "rdpfault-driver";
    if (std::filesystem::exists(next_to, ec)) return next_to.string();
  }
  return RDPFAULT_DEFAULT_DRIVER_PATH;
}

struct Pipe {
  int fd[2] = {-1, -1};
  bool open() { return pipe2(fd, O_CLOEXEC) == 0; }
  void close_read() { if (fd[0] >= 0) ::close(fd[0]), fd[0] = -1; }
  void close_write() { if (fd[1] >= 0) ::close(fd[1]), fd[1] = -1; }
  ~Pipe() { close_read(); close_write(); }
};

ConnectResult crashed(std::string detail) {
  ConnectResult r;
  r.outcome = Outcome::crashed;
  r.detail = std::move(detail);
  return r;
}

std::string tail_lines(const std::string& s, std::size_t n) {
  std::size_t pos = s.size();
  for (std::size_t i = 0; i < n && pos > 0; ++i) {
    pos = s.rfind('\n', pos - 1);
    if (pos == std::string::npos) return s;
  }
  return s.substr(pos + 1);
}

/// fork + setns + exec: the driver inside another network namespace (posix_spawn cannot
/// setns). The child is set up as the posix_spawn path sets it up: its own process group,
/// stdin/stdout/stderr from the pipes, an empty signal mask, SIGPIPE, SIGTERM and SIGINT at
/// their defaults. The namespace files are opened before the fork and only async-signal-safe
/// calls run between fork and exec; a failure there comes back over a close-on-exec pipe,
/// whose EOF means the exec happened (a bounded wait). Returns "" or why the driver did not start.
std::string spawn_in_namespace(const std::string& driver, int in_fd, int out_fd, int err_fd,
                               const RunOptions& options, pid_t& pid_out) {
  auto open_ns = [](const std::string& path, int& fd) -> std::string {
    if (path.empty()) return {};
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    return fd < 0 ? "cannot open " + path + ": " + strerror(errno) : std::string();
  };
  int user_fd = -1, net_fd = -1;
  std::string why = open_ns(options.userns_path, user_fd);
  if (why.empty()) why = open_ns(options.netns_path, net_fd);
  Pipe report;
  if (why.empty() && !report.open()) why = std::string("pipe: ") + strerror(errno);
  if (!why.empty()) {
    if (user_fd >= 0) ::close(user_fd);
    if (net_fd >= 0) ::close(net_fd);
    return why;
  }
  char* argv[] = {const_cast<char*>(driver.c_str()), nullptr};
  sigset_t none;
  sigemptyset(&none);
  enum : int { at_setpgid = 1, at_userns, at_netns, at_dup2, at_exec };
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto fail = [&](int stage) {
      const int msg[2] = {stage, errno};
      [[maybe_unused]] auto n = ::write(report.fd[1], msg, sizeof msg);
      _exit(127);
    };
    if (::setpgid(0, 0) != 0) fail(at_setpgid);
    if (user_fd >= 0 && ::setns(user_fd, CLONE_NEWUSER) != 0) fail(at_userns);
    if (net_fd >= 0 && ::setns(net_fd, CLONE_NEWNET) != 0) fail(at_netns);
    const int from[3] = {in_fd, out_fd, err_fd};
    for (int to = 0; to < 3; ++to) {
      if (from[to] == to) {
        ::fcntl(to, F_SETFD, 0);  // dup2 onto itself would keep FD_CLOEXEC.
      } else if (::dup2(from[to], to) < 0) {
        fail(at_dup2);
      }
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGTERM, SIGINT}) ::sigaction(sig, &dfl, nullptr);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(driver.c_str(), argv, environ);
    fail(at_exec);
  }
  const int fork_errno = errno;
  if (user_fd >= 0) ::close(user_fd);
  if (net_fd >= 0) ::close(net_fd);
  report.close_write();
  if (pid < 0) return std::string("fork: ") + strerror(fork_errno);

  int msg[2] = {0, 0};
  std::size_t got = 0;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{report.fd[0], POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left) + 1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    const ssize_t n = ::read(report.fd[0], reinterpret_cast<char*>(msg) + got, sizeof msg - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: exec succeeded (or the child died before it could say).
    got += static_cast<std::size_t>(n);
    if (got == sizeof msg) break;
  }
  if (!timed_out && got == 0) {
    pid_out = pid;
    return {};
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return "the child neither ran the driver nor failed within 10 s";
  static constexpr const char* stages[] = {"?", "setpgid", "setns(CLONE_NEWUSER)", "setns(CLONE_NEWNET)", "dup2", "execve"};
  const char* stage = msg[0] >= at_setpgid && msg[0] <= at_exec ? stages[msg[0]] : "?";
  return std::string(stage) + ": " + strerror(msg[1]);
}

}  // namespace

namespace {

/// The driver's private configuration directory, made here and removed here on every path
/// (a killed driver cannot clean up after itself).
class ConfigDir {
 public:
  ConfigDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/rdpfault-driver-XXXXXX";
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~ConfigDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

ConnectResult run_driver(const ConnectRequest& given, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string driver = resolve_driver(options.driver_path);
  ConfigDir config;
  if (config.path().empty()) return crashed(std::string("cannot make the client's configuration directory: ") + strerror(errno));
  ConnectRequest request = given;
  request.config_dir = config.path();
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) return crashed(std::string("pipe: ") + strerror(errno));

  pid_t pid = -1;
  if (!options.netns_path.empty() || !options.userns_path.empty()) {
    const std::string why = spawn_in_namespace(driver, in.fd[0], out.fd[1], err.fd[1], options, pid);
    if (!why.empty()) return crashed("cannot start " + driver + " inside " + options.netns_path + ": " + why);
  } else {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    char* argv[] = {const_cast<char*>(driver.c_str()), nullptr};
    int rc = posix_spawn(&pid, driver.c_str(), &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return crashed("cannot start " + driver + ": " + strerror(rc));
  }
  in.close_read();
  out.close_write();
  err.close_write();

  // The request is small (well under a pipe buffer), so this write does not block. A driver
  // that dies before reading it must not take the caller down with SIGPIPE: block the signal
  // on this thread for the write and discard one that became pending.
  const std::string req = to_json(request, true).dump() + "\n";
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const bool was_pending = [&] {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
  }();
  if (::write(in.fd[1], req.data(), req.size()) < 0 && errno == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  in.close_write();

  const auto deadline = start + std::chrono::milliseconds(request.timeout_ms + options.grace_ms);
  std::string out_buf, err_buf;
  std::optional<ConnectResult> result;
  Phase last_phase = Phase::tcp_connect;
  std::vector<PhaseTiming> phases;
  double last_phase_ms = 0;
  bool killed = false;
  bool out_open = true, err_open = true;

  auto handle_line = [&](const std::string& line) {
    if (line.empty()) return;
    try {
      auto j = nlohmann::json::parse(line);
      const auto event = j.value("event", "");
      if (event == "phase") {
        auto p = phase_from_string(j.at("phase").get<std::string>());
        if (!p) return;
        double ms = j.value("ms", 0.0);
        if (!phases.empty()) phases.back().ms = ms - last_phase_ms;
        phases.push_back({*p, 0});
        last_phase = *p;
        last_phase_ms = ms;
        if (options.on_phase) options.on_phase(*p, ms);
      } else if (event == "result") {
        result = connect_result_from_json(j);
      }
    } catch (const std::exception&) {
      err_buf += "unparsable driver output: " + line.substr(0, 200) + "\n";
    }
  };

  while (out_open || err_open) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || (options.stop_requested && options.stop_requested())) {
      ::kill(-pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out.fd[0] : -1, POLLIN, 0}, {err_open ? err.fd[0] : -1, POLLIN, 0}};
    int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    if (options.stop_requested) wait_ms = std::min(wait_ms, 100);
    if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
    char buf[4096];
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(out.fd[0], buf, sizeof buf);
      if (n <= 0) {
        out_open = false;
      } else {
        out_buf.append(buf, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = out_buf.find('\n')) != std::string::npos;) {
          handle_line(out_buf.substr(0, nl));
          out_buf.erase(0, nl + 1);
        }
      }
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(err.fd[0], buf, sizeof buf);
      if (n <= 0) {
        err_open = false;
      } else {
        err_buf.append(buf, static_cast<std::size_t>(n));
        if (err_buf.size() > 2 * kStderrKeep) err_buf.erase(0, err_buf.size() - kStderrKeep);
      }
    }
  }
  if (!out_buf.empty()) handle_line(out_buf);

  // Reap. After SIGKILL this is immediate; otherwise the driver has closed its output and is
  // exiting. Either way the wait is bounded: a pidfd tells when it is gone, and a driver still
  // there after a second is killed.
  int status = 0;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) ::kill(-pid, SIGKILL);
    ::close(pidfd);
  } else if (!killed) {
    ::kill(-pid, SIGKILL);  // No pidfd (old kernel): do not risk an unbounded wait.
  }
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const double elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  ConnectResult r;
  if (killed && !result) {
    r.outcome = Outcome::timed_out;
    r.phase_reached = last_phase;
    r.phases = phases;
    r.detail = "the driver did not finish within " + std::to_string(request.timeout_ms) + " ms + " +
               std::to_string(options.grace_ms) + " ms grace and was killed";
  } else if (WIFSIGNALED(status) && !result) {
    r.outcome = Outcome::crashed;
    r.signal = WTERMSIG(status);
    r.phase_reached = last_phase;
    r.phases = phases;
    r.detail = std::string("the driver died of signal ") + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
    if (!err_buf.empty()) r.detail += "; stderr: " + tail_lines(err_buf, 5);
  } else if (!result) {
    r.outcome = Outcome::crashed;
    r.phase_reached = last_phase;
    r.phases = phases;
    r.detail = "the driver exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
               " without a result";
    if (!err_buf.empty()) r.detail += "; stderr: " + tail_lines(err_buf, 5);
  } else {
    r = *result;
  }
  if (r.elapsed_ms == 0) r.elapsed_ms = elapsed;
  return r;
}

std::string describe(const ConnectResult& r) {
  std::ostringstream o;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", r.freerdp_error);
  o << "outcome:         " << to_string(r.outcome) << "\n"
    << "phase reached:   " << to_string(r.phase_reached) << "\n"
    << "freerdp error:   " << hex << " " << (r.freerdp_error_name.empty() ? "-" : r.freerdp_error_name);
  if (!r.freerdp_error_string.empty()) o << " (" << r.freerdp_error_string << ")";
  o << "\n";
  if (r.server_error_info) {
    std::snprintf(hex, sizeof hex, "0x%X", *r.server_error_info);
    o << "server error:    " << hex << " " << r.server_error_info_name << "\n";
  }
  if (r.cert_reason != CertReason::none || !r.cert_detail.empty()) {
    o << "certificate:     " << to_string(r.cert_reason);
    if (!r.cert_detail.empty()) o << " (" << r.cert_detail << ")";
    o << "\n";
  }
  if (!r.tls_error.empty()) o << "tls error:       " << r.tls_error << "\n";
  o << "tcp connections: " << r.tcp_connections << "\n";
  if (r.outcome == Outcome::connected) o << "painted:         " << (r.painted ? "yes" : "no") << "\n";
  if (r.signal) o << "signal:          " << r.signal << "\n";
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.1f ms", r.elapsed_ms);
  o << "elapsed:         " << ms << "\n";
  if (!r.phases.empty()) {
    o << "phases:         ";
    for (const auto& p : r.phases) {
      std::snprintf(ms, sizeof ms, "%.1f", p.ms);
      o << " " << to_string(p.phase) << "=" << ms << "ms";
    }
    o << "\n";
  }
  if (!r.detail.empty()) o << "detail:          " << r.detail << "\n";
  return o.str();
}

}  // namespace rdpfault::client
