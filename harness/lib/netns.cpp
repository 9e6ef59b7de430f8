// FilteredNamespace: a helper process holding a private network namespace with an nftables
// ruleset that drops SYNs. See netns.hpp.
//
// The harness is multithreaded (fake servers, the thread pool), so between fork() and the
// helper's end only async-signal-safe calls are made: everything the helper needs (paths,
// argv, the ruleset, the id maps, the ifreq) is prepared before the fork, and errors travel
// back as numbers for the parent to put into words.
#include "netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/fakeserver/trace.hpp"

namespace rdpfault::harness {
namespace {

using Clock = std::chrono::steady_clock;

/// What the helper reports: one write, under PIPE_BUF, so it arrives whole.
struct Report {
  int stage = 0;   ///< Stage below; 0 is "ready".
  int err = 0;     ///< errno of the failing call.
  int status = 0;  ///< nft's wait status (stage_nft).
  int text_len = 0;
  char text[2048] = {};  ///< nft's output (stage_nft).
};
static_assert(sizeof(Report) <= PIPE_BUF);

enum Stage : int {
  stage_ready = 0,
  stage_pdeathsig,
  stage_unshare,
  stage_setgroups,
  stage_uid_map,
  stage_gid_map,
  stage_lo_socket,
  stage_lo_get,
  stage_lo_set,
  stage_nft_pipe,
  stage_nft_fork,
  stage_nft,
};

const char* stage_name(int stage) {
  switch (stage) {
    case stage_pdeathsig: return "prctl(PR_SET_PDEATHSIG)";
    case stage_unshare: return "unshare";
    case stage_setgroups: return "writing /proc/self/setgroups";
    case stage_uid_map: return "writing /proc/self/uid_map";
    case stage_gid_map: return "writing /proc/self/gid_map";
    case stage_lo_socket: return "socket() for lo";
    case stage_lo_get: return "ioctl(SIOCGIFFLAGS, lo)";
    case stage_lo_set: return "ioctl(SIOCSIFFLAGS, lo up)";
    case stage_nft_pipe: return "pipe() for nft";
    case stage_nft_fork: return "fork() for nft";
    case stage_nft: return "nft -f -";
  }
  return "?";
}

std::string errno_text(int err) { return std::string(strerror(err)) + " (errno " + std::to_string(err) + ")"; }

std::string find_nft() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH"); path && *path) {
    std::string p = path;
    for (std::size_t pos = 0;;) {
      const auto colon = p.find(':', pos);
      dirs.push_back(p.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos));
      if (colon == std::string::npos) break;
      pos = colon + 1;
    }
  }
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.emplace_back(d);
  for (const auto& d : dirs) {
    if (d.empty()) continue;
    const auto candidate = d + "/nft";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string read_small_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return {};
  std::string s(buf, static_cast<std::size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ruleset_for(std::uint16_t port) {
  // A SYN without ACK, RST or FIN is a new connection attempt; a firewall's DROP discards it
  // and the client retransmits until its own connect timeout.
  std::string match = "tcp flags & (fin|syn|rst|ack) == syn";
  if (port != 0) match = "tcp dport " + std::to_string(port) + " " + match;
  return "table inet rdpfault {\n"
         "  chain input {\n"
         "    type filter hook input priority 0; policy accept;\n"
         "    " + match + " drop\n"
         "  }\n"
         "}\n";
}

/// Bounded wait for a child to exit; returns whether it did (then it is reaped).
bool reap_within(pid_t pid, int pidfd, int ms) {
  int status = 0;
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int rc;
    while ((rc = ::poll(&p, 1, ms)) < 0 && errno == EINTR) {
    }
    if (rc <= 0) return false;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return true;
  }
  // No pidfd (kernel before 5.3): the caller has sent SIGKILL, after which the wait is short.
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return true;
}

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// ---- helper side: async-signal-safe only ----

void put_report(int fd, int stage, int err, int status = 0, const char* text = nullptr, int text_len = 0) {
  Report r;
  r.stage = stage;
  r.err = err;
  r.status = status;
  if (text && text_len > 0) {
    r.text_len = text_len < static_cast<int>(sizeof r.text) ? text_len : static_cast<int>(sizeof r.text);
    memcpy(r.text, text, static_cast<std::size_t>(r.text_len));
  }
  const char* p = reinterpret_cast<const char*>(&r);
  std::size_t left = sizeof r;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

bool write_all(int fd, const char* p, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_file(const char* path, const char* text, std::size_t len) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write_all(fd, text, len);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

void close_all_but(int a, int b, long open_max) {
  const int lo = a < b ? a : b;
  const int hi = a < b ? b : a;
  auto close_range_ = [open_max](unsigned first, unsigned last) {
    if (first > last) return;
    if (::syscall(SYS_close_range, first, last, 0) == 0) return;
    const long end = static_cast<long>(last) < open_max ? static_cast<long>(last) : open_max - 1;
    for (long fd = first; fd <= end; ++fd) ::close(static_cast<int>(fd));
  };
  close_range_(3, static_cast<unsigned>(lo) - 1);
  close_range_(static_cast<unsigned>(lo) + 1, static_cast<unsigned>(hi) - 1);
  close_range_(static_cast<unsigned>(hi) + 1, ~0u);
}

struct HelperPlan {
  pid_t parent = 0;
  int flags = 0;  ///< unshare flags.
  bool userns = false;
  std::string uid_map, gid_map;
  ifreq lo{};
  std::string nft;
  std::vector<char*> nft_argv;
  std::vector<char*> nft_envp;
  std::string ruleset;
  long open_max = 1024;
};

[[noreturn]] void helper_main(const HelperPlan& plan, int status_fd, int hold_fd) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    put_report(status_fd, stage_pdeathsig, errno);
    _exit(1);
  }
  if (::getppid() != plan.parent) _exit(1);  // The parent died before the prctl took effect.
  close_all_but(status_fd, hold_fd, plan.open_max);
  if (const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC); null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, nullptr);

  if (::unshare(plan.flags) != 0) {
    put_report(status_fd, stage_unshare, errno);
    _exit(1);
  }
  if (plan.userns) {
    if (!write_file("/proc/self/setgroups", "deny", 4)) {
      put_report(status_fd, stage_setgroups, errno);
      _exit(1);
    }
    if (!write_file("/proc/self/uid_map", plan.uid_map.data(), plan.uid_map.size())) {
      put_report(status_fd, stage_uid_map, errno);
      _exit(1);
    }
    if (!write_file("/proc/self/gid_map", plan.gid_map.data(), plan.gid_map.size())) {
      put_report(status_fd, stage_gid_map, errno);
      _exit(1);
    }
  }
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    put_report(status_fd, stage_lo_socket, errno);
    _exit(1);
  }
  ifreq ifr = plan.lo;
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    put_report(status_fd, stage_lo_get, errno);
    _exit(1);
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
    put_report(status_fd, stage_lo_set, errno);
    _exit(1);
  }
  ::close(s);

  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    put_report(status_fd, stage_nft_pipe, errno);
    _exit(1);
  }
  const pid_t self = ::getpid();
  const pid_t nft = ::fork();
  if (nft < 0) {
    put_report(status_fd, stage_nft_fork, errno);
    _exit(1);
  }
  if (nft == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != self) _exit(127);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execve(plan.nft.c_str(), plan.nft_argv.data(), plan.nft_envp.data());
    static const char msg[] = "cannot execute nft\n";
    write_all(2, msg, sizeof msg - 1);
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  write_all(in[1], plan.ruleset.data(), plan.ruleset.size());  // Small: fits the pipe buffer.
  ::close(in[1]);
  char text[sizeof(Report::text)];
  int text_len = 0;
  for (;;) {
    char buf[512];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && text_len < static_cast<int>(sizeof text); ++i) text[text_len++] = buf[i];
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(nft, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    put_report(status_fd, stage_nft, 0, status, text, text_len);
    _exit(1);
  }
  put_report(status_fd, stage_ready, 0);
  ::close(status_fd);
  // Hold the namespace until the parent closes its end (or dies: PR_SET_PDEATHSIG).
  for (;;) {
    char c;
    const ssize_t n = ::read(hold_fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  _exit(0);
}

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;
  int hold_fd = -1;
};

/// Forks a helper for one unshare mode and waits (bounded) for its report. Throws with the
/// reason on failure; nothing of the helper remains then.
Spawned spawn_helper(HelperPlan& plan, std::chrono::milliseconds timeout) {
  int status[2], hold[2];
  if (::pipe2(status, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + errno_text(errno));
  if (::pipe2(hold, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(status[0]);
    ::close(status[1]);
    throw std::runtime_error("pipe: " + errno_text(e));
  }
  plan.parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    for (int fd : {status[0], status[1], hold[0], hold[1]}) ::close(fd);
    throw std::runtime_error("fork: " + errno_text(e));
  }
  if (pid == 0) helper_main(plan, status[1], hold[0]);
  ::close(status[1]);
  ::close(hold[0]);
  Spawned s{pid, open_pidfd(pid), hold[1]};
  auto give_up = [&](const std::string& why) -> Spawned {
    ::close(status[0]);
    ::close(s.hold_fd);
    ::kill(pid, SIGKILL);
    reap_within(pid, s.pidfd, 2000);
    if (s.pidfd >= 0) ::close(s.pidfd);
    throw std::runtime_error(why);
  };

  Report r;
  std::size_t got = 0;
  const auto deadline = Clock::now() + timeout;
  while (got < sizeof r) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return give_up("the namespace helper did not report within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p{status[0], POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left) + 1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return give_up("poll: " + errno_text(errno));
    if (rc == 0) continue;
    const ssize_t n = ::read(status[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return give_up("the namespace helper exited without a report");
    got += static_cast<std::size_t>(n);
  }
  if (r.stage != stage_ready) {
    std::string why = std::string(stage_name(r.stage)) + " failed";
    if (r.stage == stage_nft) {
      std::string text(r.text, static_cast<std::size_t>(std::clamp(r.text_len, 0, static_cast<int>(sizeof r.text))));
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      why += WIFEXITED(r.status) ? " (exit status " + std::to_string(WEXITSTATUS(r.status)) + ")"
                                 : " (signal " + std::to_string(WTERMSIG(r.status)) + ")";
      if (!text.empty()) why += ": " + text;
    } else {
      why += ": " + errno_text(r.err);
    }
    return give_up(why);
  }
  ::close(status[0]);
  return s;
}

struct ProbeCache {
  std::mutex mu;
  std::optional<FilteredNamespace::Support> result;
};

/// Enters the namespace from a forked child, as run_driver does, and reports whether it could.
std::string try_enter(const FilteredNamespace& ns) {
  const int user_fd = ns.userns_path().empty() ? -1 : ::open(ns.userns_path().c_str(), O_RDONLY | O_CLOEXEC);
  const int net_fd = ::open(ns.netns_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (net_fd < 0 || (!ns.userns_path().empty() && user_fd < 0)) {
    const std::string why = "cannot open " + ns.netns_path() + ": " + errno_text(errno);
    if (user_fd >= 0) ::close(user_fd);
    if (net_fd >= 0) ::close(net_fd);
    return why;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Exit codes: 1..127 setns(CLONE_NEWNET) failed with that errno, 128.. setns(CLONE_NEWUSER).
    if (user_fd >= 0 && ::setns(user_fd, CLONE_NEWUSER) != 0) _exit(128 + (errno < 127 ? errno : 127));
    if (::setns(net_fd, CLONE_NEWNET) != 0) _exit(errno < 127 ? errno : 127);
    _exit(0);
  }
  const int e = errno;
  if (user_fd >= 0) ::close(user_fd);
  ::close(net_fd);
  if (pid < 0) return "fork: " + errno_text(e);
  const int pidfd = open_pidfd(pid);
  int status = 0;
  bool done = false;
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int rc;
    while ((rc = ::poll(&p, 1, 2000)) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
    if (rc > 0) {
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      done = true;
    }
  }
  if (!done) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return "a child entering the namespace did not finish";
  }
  if (!WIFEXITED(status)) return "a child entering the namespace died";
  const int code = WEXITSTATUS(status);
  if (code == 0) return {};
  if (code >= 128) return "setns(CLONE_NEWUSER) failed: " + errno_text(code - 128);
  return "setns(CLONE_NEWNET) failed: " + errno_text(code);
}

}  // namespace

FilteredNamespace::Support FilteredNamespace::probe() {
  if (const char* off = std::getenv("RDPFAULT_NO_NETNS"); off && *off && std::string(off) != "0") {
    return {false, "RDPFAULT_NO_NETNS is set"};
  }
  static ProbeCache cache;
  std::lock_guard lock(cache.mu);
  if (cache.result) return *cache.result;
  Support s;
  const std::string nft = find_nft();
  if (nft.empty()) {
    s.reason = "nft not found (Debian package nftables) in PATH, /usr/sbin or /sbin";
  } else if (::geteuid() != 0 && read_small_file("/proc/sys/kernel/unprivileged_userns_clone") == "0") {
    s.reason = "not root, and unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)";
  } else if (::geteuid() != 0 && read_small_file("/proc/sys/user/max_user_namespaces") == "0") {
    s.reason = "not root, and user namespaces are disabled (user.max_user_namespaces = 0)";
  } else {
    try {
      FilteredNamespace trial(0);
      if (auto why = try_enter(trial); !why.empty()) {
        s.reason = why;
      } else {
        s.available = true;
        s.reason = trial.userns_path().empty()
                       ? "running as root: a network namespace of our own (CLONE_NEWNET), ruleset by " + nft
                       : "not root: a network namespace owned by a user namespace of ours "
                         "(CLONE_NEWUSER|CLONE_NEWNET), ruleset by " + nft;
      }
    } catch (const std::exception& e) {
      s.reason = e.what();
    }
  }
  cache.result = s;
  return s;
}

FilteredNamespace::FilteredNamespace(std::uint16_t port, std::chrono::milliseconds timeout)
    : port_(port), ruleset_(ruleset_for(port)) {
  HelperPlan plan;
  plan.nft = find_nft();
  if (plan.nft.empty()) throw std::runtime_error("nft not found (Debian package nftables)");
  static char arg_f[] = "-f", arg_dash[] = "-", env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
              env_lang[] = "LC_ALL=C";
  plan.nft_argv = {plan.nft.data(), arg_f, arg_dash, nullptr};
  plan.nft_envp = {env_path, env_lang, nullptr};
  plan.ruleset = ruleset_;
  strncpy(plan.lo.ifr_name, "lo", IFNAMSIZ - 1);
  plan.uid_map = "0 " + std::to_string(::geteuid()) + " 1\n";
  plan.gid_map = "0 " + std::to_string(::getegid()) + " 1\n";
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    plan.open_max = static_cast<long>(std::min<rlim_t>(rl.rlim_cur, 1 << 20));
  }

  // As root a network namespace alone will do; a root without CAP_SYS_ADMIN (a container)
  // and everyone else get one owned by a user namespace of ours.
  std::vector<bool> modes;
  if (::geteuid() == 0) modes.push_back(false);
  modes.push_back(true);
  std::string errors;
  const auto deadline = Clock::now() + timeout;
  for (bool userns : modes) {
    plan.userns = userns;
    plan.flags = userns ? CLONE_NEWUSER | CLONE_NEWNET : CLONE_NEWNET;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    try {
      const auto s = spawn_helper(plan, left);
      pid_ = s.pid;
      pidfd_ = s.pidfd;
      hold_fd_ = s.hold_fd;
      netns_path_ = "/proc/" + std::to_string(pid_) + "/ns/net";
      if (userns) userns_path_ = "/proc/" + std::to_string(pid_) + "/ns/user";
      return;
    } catch (const std::exception& e) {
      if (!errors.empty()) errors += "; then ";
      errors += std::string(userns ? "user+network namespace: " : "network namespace: ") + e.what();
    }
  }
  throw std::runtime_error(errors.empty() ? "no time left to make a namespace" : errors);
}

FilteredNamespace::~FilteredNamespace() { teardown(); }

void FilteredNamespace::teardown() {
  if (pid_ <= 0) return;
  if (hold_fd_ >= 0) ::close(hold_fd_), hold_fd_ = -1;
  // Closing the hold pipe lets the helper exit by itself; SIGKILL makes sure of it at once
  // (it holds nothing that needs an orderly end: the namespace goes with its last process).
  ::kill(pid_, SIGKILL);
  reap_within(pid_, pidfd_, 2000);
  if (pidfd_ >= 0) ::close(pidfd_), pidfd_ = -1;
  pid_ = -1;
}

std::unique_ptr<FilteredNamespace> filtered_network_for_driver(fakeserver::TraceSink& trace, std::uint16_t port) {
  fakeserver::TraceEvent e;
  e.ts_us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  e.event = "network";
  std::unique_ptr<FilteredNamespace> ns;
  const auto support = FilteredNamespace::probe();
  std::string reason = support.reason;
  if (support.available) {
    try {
      ns = std::make_unique<FilteredNamespace>(port);
      reason += "; nftables drops SYNs to port " + std::to_string(port) + " in it, and the driver runs there";
    } catch (const std::exception& ex) {
      reason = std::string("the namespace could not be made: ") + ex.what();
    }
  }
  if (ns) {
    e.data = {{"technique", "nftables in a private network namespace"}, {"reason", reason}, {"port", port}};
  } else {
    e.data = {{"technique", "full accept queue"},
              {"reason", "no private network namespace: " + reason +
                             "; a listener on the host's loopback with a full accept queue drops the SYNs"},
              {"port", port}};
  }
  trace.record(e);
  return ns;
}

}  // namespace rdpfault::harness
