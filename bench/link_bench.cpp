// Benchmarks of the network conditions (issue 8), not tests: how exactly `fakeserver::Link`
// (through `fakeserver::Proxy`) applies latency and bandwidth, what a no-fault proxy costs
// against a direct connection in the same run, and the fake server's memory per idle session
// with the fault machinery. Prints Markdown; bench/link.sh keeps it as a report for
// docs/benchmarks.md. Everything binds and connects 127.0.0.1 only.
//
// Usage: rdpfault_link_bench [--reps N] [--quick] [latency] [bandwidth] [overhead] [memory]
//   (no section named: all four; --quick: shorter runs, for trying the program out)
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "light_client.hpp"
#include "process.hpp"
#include "rdpfault/faults/registry.hpp"
#include "rdpfault/fakeserver/proxy.hpp"

using namespace rdpfault;
using Clock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers: plain blocking sockets on 127.0.0.1, statistics.

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "link_bench: " << what << ": " << std::strerror(errno) << "\n";
  std::exit(1);
}

int listen_loopback(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
  if (::listen(fd, 128) != 0) die("listen");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
  no_delay(fd);
  return fd;
}

bool write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<std::uint8_t*>(data);
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

/// A TCP server on 127.0.0.1:0 with a thread per connection running `handler(fd)`.
class TcpServer {
 public:
  explicit TcpServer(std::function<void(int)> handler) : handler_(std::move(handler)) {
    fd_ = listen_loopback(port_);
    accept_thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          return;  // The listener was shut down.
        }
        no_delay(c);
        std::lock_guard lock(mu_);
        conns_.emplace_back([this, c] {
          handler_(c);
          ::close(c);
        });
      }
    });
  }
  ~TcpServer() {
    ::shutdown(fd_, SHUT_RDWR);
    accept_thread_.join();
    ::close(fd_);
    for (auto& t : conns_) t.join();
  }
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  std::function<void(int)> handler_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
};

/// A no-fault reference: the simplest userspace relay (a blocking thread per direction,
/// read 64 KiB / write it), to separate what any proxy costs on this machine from the Link's share.
class PlainRelay {
 public:
  explicit PlainRelay(std::uint16_t upstream)
      : server_([upstream](int c) {
          int u = connect_loopback(upstream);
          auto pump = [](int from, int to) {
            std::vector<std::uint8_t> buf(64 * 1024);
            for (;;) {
              const ssize_t r = ::recv(from, buf.data(), buf.size(), 0);
              if (r <= 0 || !write_all(to, buf.data(), static_cast<std::size_t>(r))) break;
            }
            ::shutdown(to, SHUT_WR);
          };
          std::thread back(pump, u, c);
          pump(c, u);
          back.join();
          ::close(u);
        }) {}
  std::uint16_t port() const { return server_.port(); }

 private:
  TcpServer server_;
};

/// The kernel-side bound for a relay: splice(2) through a pipe, no copy into user space (a Link
/// cannot do this: its faults need the bytes).
class SpliceRelay {
 public:
  explicit SpliceRelay(std::uint16_t upstream)
      : server_([upstream](int c) {
          int u = connect_loopback(upstream);
          auto pump = [](int from, int to) {
            int pipefd[2];
            if (::pipe2(pipefd, O_CLOEXEC) != 0) return;
            for (;;) {
              const ssize_t r = ::splice(from, nullptr, pipefd[1], nullptr, 1 << 20, SPLICE_F_MOVE);
              if (r <= 0) break;
              ssize_t left = r;
              while (left > 0) {
                const ssize_t w = ::splice(pipefd[0], nullptr, to, nullptr, static_cast<std::size_t>(left), SPLICE_F_MOVE);
                if (w <= 0) break;
                left -= w;
              }
              if (left > 0) break;
            }
            ::close(pipefd[0]);
            ::close(pipefd[1]);
            ::shutdown(to, SHUT_WR);
          };
          std::thread back(pump, u, c);
          pump(c, u);
          back.join();
          ::close(u);
        }) {}
  std::uint16_t port() const { return server_.port(); }

 private:
  TcpServer server_;
};

faults::Fault fault(const std::string& spec) {
  auto r = faults::parse_fault_spec(spec);
  if (!r.fault) {
    std::cerr << "link_bench: bad fault spec " << spec << "\n";
    std::exit(1);
  }
  return *r.fault;
}

std::unique_ptr<fakeserver::Proxy> start_proxy(std::uint16_t upstream, const std::vector<std::string>& specs) {
  fakeserver::ProxyConfig cfg;
  cfg.upstream_host = "127.0.0.1";
  cfg.upstream_port = upstream;
  cfg.seed = 8;
  for (const auto& s : specs) cfg.faults.push_back(fault(s));
  auto p = std::make_unique<fakeserver::Proxy>(std::move(cfg));
  p->start();
  return p;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}
double median(const std::vector<double>& v) { return quantile(v, 0.5); }
double vmin(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
double vmax(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

/// Threads of this process, by id (to find the proxy's I/O thread, which we do not create).
std::set<int> task_ids() {
  std::set<int> ids;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ids.insert(std::stoi(e.path().filename()));
  return ids;
}
/// Names a thread of this process (shown by perf and top); 15 characters at most.
void name_thread(int tid, const std::string& name) {
  std::ofstream("/proc/self/task/" + std::to_string(tid) + "/comm") << name.substr(0, 15);
}
void name_this_thread(const std::string& name) { name_thread(static_cast<int>(::gettid()), name); }
/// User and system CPU seconds of one thread (clock ticks of /proc/self/task/TID/stat).
std::pair<double, double> thread_cpu(int tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  const auto close = all.rfind(')');
  if (close == std::string::npos) return {0, 0};
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  double ut = 0, st = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // Fields 14 and 15: utime, stime.
    if (i == 14) ut = std::stod(field);
    if (i == 15) st = std::stod(field);
  }
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {ut / hz, st / hz};
}
double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
/// Busy CPU seconds of the whole machine so far (/proc/stat: everything but idle and iowait).
double machine_busy_s() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  double v[10] = {};
  for (double& x : v) in >> x;
  const double busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];  // user nice system irq softirq steal
  return busy / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// What else ran on the machine during a section: CPU of other processes, in cores, on average.
class OtherLoad {
 public:
  OtherLoad() : t0_(Clock::now()), busy0_(machine_busy_s()), own0_(process_cpu_s()) {}
  /// Includes the fake server's process in the memory section (it is not this process).
  std::string line(const char* also = "") const {
    const double wall = std::chrono::duration<double>(Clock::now() - t0_).count();
    const double other = (machine_busy_s() - busy0_) - (process_cpu_s() - own0_);
    char buf[200];
    std::snprintf(buf, sizeof buf, "CPU used by other processes%s during this section: %.2f cores on average (of %ld), over %.0f s.\n\n",
                  also, std::max(0.0, other / wall), ::sysconf(_SC_NPROCESSORS_ONLN), wall);
    return buf;
  }

 private:
  Clock::time_point t0_;
  double busy0_, own0_;
};

/// The I/O thread a just-started proxy added to this process.
int new_thread(const std::set<int>& before) {
  for (int t : task_ids()) {
    if (!before.count(t)) return t;
  }
  return 0;
}

/// "median (min–max)" of one figure over the repetitions.
std::string spread(const std::vector<double>& v, const char* fmt) {
  char a[64], b[64], c[64], out[256];
  std::snprintf(a, sizeof a, fmt, median(v));
  std::snprintf(b, sizeof b, fmt, vmin(v));
  std::snprintf(c, sizeof c, fmt, vmax(v));
  std::snprintf(out, sizeof out, "%s (%s – %s)", a, b, c);
  return out;
}

/// One line of the summary of targets printed at the end.
struct TargetRow {
  std::string target, measured;
  bool met;
};
std::vector<TargetRow> g_targets;
std::string fmt(const char* f, double a, double b = 0) {
  char buf[200];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

struct Options {
  int reps = 3;
  bool quick = false;
  int memory_case = -1;  ///< --memory-case N: only that configuration (for a heap profiler).
  std::set<std::string> sections;
  /// No section named: the four measurements (not "profile", which is only for a profiler).
  bool want(const std::string& s) const { return sections.empty() || sections.count(s) > 0; }
};

// The proxy's PhaseTracker expects an X.224 TPKT first; a first byte that is not 3 tells it at
// once that this is not RDP (it then treats every later byte as "some phase"), which is what
// an every-phase fault needs. Every stream below starts with this preamble.
constexpr char kPreamble[4] = {'R', 'D', 'P', 'F'};

// ---------------------------------------------------------------------------------------------
// 1. Latency error.

struct LatencyRun {
  std::vector<double> err_ms;  ///< Per chunk: delivery − send − configured latency.
};

/// Sends `chunks` framed chunks (random sizes 64 B–16 KiB, 1–3 ms apart) to `port`; a sink
/// behind `upstream` records when each chunk has fully arrived.
LatencyRun latency_run(const std::vector<std::string>& specs, int latency_ms, int chunks, bool direct) {
  struct Arrival {
    std::int64_t sent, arrived;
  };
  std::mutex mu;
  std::vector<Arrival> arrivals;
  std::promise<void> done;
  TcpServer sink([&](int fd) {
    char pre[4];
    if (!read_all(fd, pre, 4)) return;
    std::vector<std::uint8_t> buf(64 * 1024);
    std::vector<Arrival> local;
    local.reserve(static_cast<std::size_t>(chunks));
    for (;;) {
      std::uint8_t head[12];
      if (!read_all(fd, head, sizeof head)) break;
      std::uint32_t len;
      std::int64_t sent;
      std::memcpy(&len, head, 4);
      std::memcpy(&sent, head + 4, 8);
      if (!read_all(fd, buf.data(), len)) break;
      local.push_back({sent, now_ns()});
    }
    std::lock_guard lock(mu);
    arrivals = std::move(local);
    done.set_value();
  });
  std::unique_ptr<fakeserver::Proxy> proxy;
  std::uint16_t port = sink.port();
  if (!direct) {
    proxy = start_proxy(sink.port(), specs);
    port = proxy->port();
  }
  int fd = connect_loopback(port);
  write_all(fd, kPreamble, 4);
  std::mt19937_64 rng(42);
  const std::uint32_t sizes[] = {64, 256, 1024, 4096, 16384};
  std::uniform_int_distribution<int> pick(0, 4), gap_us(1000, 3000);
  std::vector<std::uint8_t> frame(12 + 16384, 'x');
  auto next = Clock::now();
  for (int i = 0; i < chunks; ++i) {
    const std::uint32_t len = sizes[pick(rng)];
    next += std::chrono::microseconds(gap_us(rng));
    std::this_thread::sleep_until(next);
    const std::int64_t t = now_ns();
    std::memcpy(frame.data(), &len, 4);
    std::memcpy(frame.data() + 4, &t, 8);
    if (!write_all(fd, frame.data(), 12 + len)) die("latency: send");
  }
  ::shutdown(fd, SHUT_WR);
  auto f = done.get_future();
  if (f.wait_for(std::chrono::seconds(60)) != std::future_status::ready) die("latency: sink did not finish");
  ::close(fd);
  proxy.reset();
  LatencyRun r;
  for (const auto& a : arrivals) {
    r.err_ms.push_back(static_cast<double>(a.arrived - a.sent) / 1e6 - latency_ms);
  }
  if (r.err_ms.size() != static_cast<std::size_t>(chunks)) {
    std::cerr << "link_bench: latency: " << r.err_ms.size() << " of " << chunks << " chunks arrived\n";
  }
  return r;
}

void latency_section(const Options& o) {
  const OtherLoad load;
  const int chunks = o.quick ? 300 : 1500;
  struct Case {
    const char* label;
    std::vector<std::string> specs;
    int latency_ms;
    int jitter_ms;
    bool direct;
  };
  const std::vector<Case> cases = {
      {"direct (no proxy), reference", {}, 0, 0, true},
      {"proxy, no fault, reference", {}, 0, 0, false},
      {"latency_ms=0", {"latency:direction=to_server,latency_ms=0"}, 0, 0, false},
      {"latency_ms=20", {"latency:direction=to_server,latency_ms=20"}, 20, 0, false},
      {"latency_ms=100", {"latency:direction=to_server,latency_ms=100"}, 100, 0, false},
      {"latency_ms=20, jitter_ms=5", {"latency:direction=to_server,latency_ms=20,jitter_ms=5"}, 20, 5, false},
      {"latency_ms=100, jitter_ms=20", {"latency:direction=to_server,latency_ms=100,jitter_ms=20"}, 100, 20, false},
  };
  std::printf("### Injected latency: error per chunk\n\n");
  std::printf("A `Proxy` with `latency:direction=to_server,...` in front of a sink on 127.0.0.1; the sender writes %d\n"
              "framed chunks (64 B, 256 B, 1, 4 or 16 KiB at random, 1-3 ms apart, TCP_NODELAY) each with its send\n"
              "time; the sink notes when each chunk has fully arrived. Error = arrival - send - latency_ms, in ms\n"
              "(it includes both loopback hops and the proxy's own pass: see the reference rows). %d runs;\n"
              "each figure is the median over runs (min - max over runs); *max* is the largest over all runs.\n\n",
              chunks, o.reps);
  std::printf("| configuration | chunks per run | error p50 (ms) | error p99 (ms) | error p99.9 (ms) | error min (ms) | error max (ms) | "
              "chunks outside [-jitter, +jitter + 2 ms], all runs | p99 <= 2 ms |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  double worst_p99_plain = 0;
  std::size_t jitter_outside = 0, jitter_total = 0;
  for (const auto& c : cases) {
    std::vector<double> p50, p99, p999, mins, maxs;
    std::size_t n = 0, outside = 0;
    for (int rep = 0; rep < o.reps; ++rep) {
      auto r = latency_run(c.specs, c.latency_ms, chunks, c.direct);
      n = r.err_ms.size();
      p50.push_back(quantile(r.err_ms, 0.5));
      p99.push_back(quantile(r.err_ms, 0.99));
      p999.push_back(quantile(r.err_ms, 0.999));
      mins.push_back(vmin(r.err_ms));
      maxs.push_back(vmax(r.err_ms));
      for (double e : r.err_ms) outside += (e < -c.jitter_ms - 0.001 || e > c.jitter_ms + 2.0) ? 1 : 0;
    }
    std::string target = "-";
    if (c.jitter_ms > 0) {
      jitter_outside += outside;
      jitter_total += n * static_cast<std::size_t>(o.reps);
    } else if (!c.direct && !c.specs.empty() && c.latency_ms > 0) {
      worst_p99_plain = std::max(worst_p99_plain, vmax(p99));
      target = vmax(p99) <= 2.0 ? "met" : "missed";
    }
    std::printf("| %s | %zu | %s | %s | %s | %s | %.3f | %zu of %zu | %s |\n", c.label, n, spread(p50, "%.3f").c_str(),
                spread(p99, "%.3f").c_str(), spread(p999, "%.3f").c_str(), spread(mins, "%.3f").c_str(), vmax(maxs), outside,
                n * static_cast<std::size_t>(o.reps), target.c_str());
  }
  g_targets.push_back({"injected latency: error p99 <= 2 ms over >= 1,000 chunks (latency_ms 20 and 100)",
                       fmt("worst p99 of any run %.3f ms", worst_p99_plain), worst_p99_plain <= 2.0});
  std::printf("\nTarget: error p99 <= 2 ms over >= 1,000 chunks: %s (worst p99 of any run of latency_ms=20 or 100 without\n"
              "jitter: %.3f ms). With jitter each chunk's delay is drawn uniformly from latency_ms +- jitter_ms, but no\n"
              "chunk overtakes the one before it (TCP order), so at 1-3 ms spacing most chunks wait behind an earlier\n"
              "chunk's longer delay and the error leans toward +jitter_ms (see p50); it must stay within\n"
              "[-jitter, +jitter] plus delivery: %zu of %zu jittered chunks fell outside [-jitter, +jitter + 2 ms].\n\n",
              worst_p99_plain <= 2.0 ? "met" : "missed", worst_p99_plain, jitter_outside, jitter_total);
  std::printf("%s", load.line().c_str());
}

// ---------------------------------------------------------------------------------------------
// 2. Bandwidth accuracy.

struct BandwidthRun {
  double rate = 0;                ///< Bytes per second over the whole window.
  std::vector<double> windows;    ///< Bytes per second in each 1-s window.
};

BandwidthRun bandwidth_run(std::int64_t rate, int seconds) {
  std::atomic<bool> stop{false};
  TcpServer source([&](int fd) {
    std::vector<std::uint8_t> buf(64 * 1024, 'x');
    std::memcpy(buf.data(), kPreamble, 4);
    while (!stop && write_all(fd, buf.data(), buf.size())) {
    }
  });
  auto proxy = start_proxy(source.port(), {"bandwidth:direction=to_client,bytes_per_second=" + std::to_string(rate)});
  int fd = connect_loopback(proxy->port());
  std::vector<std::uint8_t> buf(256 * 1024);
  std::vector<std::pair<std::int64_t, std::size_t>> reads;
  reads.reserve(1 << 16);
  std::int64_t first = 0;
  const std::int64_t span = static_cast<std::int64_t>(seconds) * 1'000'000'000;
  for (;;) {
    const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
    if (r <= 0) die("bandwidth: recv");
    const std::int64_t t = now_ns();
    if (first == 0) {
      first = t;  // The window starts at the first byte; those bytes are not counted.
      continue;
    }
    if (t > first + span) break;
    reads.emplace_back(t, static_cast<std::size_t>(r));
  }
  stop = true;
  ::close(fd);
  proxy.reset();
  BandwidthRun out;
  std::vector<double> win(static_cast<std::size_t>(seconds), 0.0);
  double total = 0;
  for (const auto& [t, n] : reads) {
    total += static_cast<double>(n);
    const auto k = static_cast<std::size_t>((t - first - 1) / 1'000'000'000);
    if (k < win.size()) win[k] += static_cast<double>(n);
  }
  out.rate = total / seconds;
  out.windows = win;
  return out;
}

void bandwidth_section(const Options& o) {
  const OtherLoad load;
  const int seconds = o.quick ? 3 : 10;
  const std::int64_t rates[] = {16'000, 1'000'000, 10'000'000};
  std::printf("### Bandwidth accuracy\n\n");
  std::printf("A `Proxy` with `bandwidth:direction=to_client,bytes_per_second=R` in front of a source that always has\n"
              "data queued (it writes 64 KiB blocks for as long as the socket takes them); the client reads through the\n"
              "proxy and counts bytes over %d s from its first byte (those first bytes not counted). %d runs per\n"
              "rate; per-run figures, then the spread over runs.\n\n",
              seconds, o.reps);
  std::printf("| R (bytes/s) | run | measured over %d s (bytes/s) | error vs R | slowest 1-s window | fastest 1-s window |\n",
              seconds);
  std::printf("|---|---|---|---|---|---|\n");
  double worst = 0;
  for (auto rate : rates) {
    std::vector<double> errs;
    for (int rep = 0; rep < o.reps; ++rep) {
      auto r = bandwidth_run(rate, seconds);
      const double err = (r.rate - static_cast<double>(rate)) / static_cast<double>(rate) * 100;
      errs.push_back(err);
      worst = std::max(worst, std::fabs(err));
      const double R = static_cast<double>(rate);
      std::printf("| %lld | %d | %.0f | %+.3f %% | %.0f (%+.2f %%) | %.0f (%+.2f %%) |\n", static_cast<long long>(rate),
                  rep + 1, r.rate, err, vmin(r.windows), (vmin(r.windows) - R) / R * 100, vmax(r.windows),
                  (vmax(r.windows) - R) / R * 100);
    }
  }
  g_targets.push_back({"bandwidth within ±5 % of R over " + std::to_string(seconds) + " s (R = 16 kB/s, 1 MB/s, 10 MB/s)",
                       fmt("largest deviation of any run %.3f %%", worst), worst <= 5.0});
  std::printf("\nTarget: within ±5 %% of R over %d s: %s (largest deviation of any run: %.3f %%).\n\n", seconds,
              worst <= 5.0 ? "met" : "missed", worst);
  std::printf("%s", load.line().c_str());
}

// ---------------------------------------------------------------------------------------------
// 3. Proxy overhead: bulk throughput and ping-pong latency, direct vs proxy vs plain relay.

struct BulkResult {
  double bytes = 0, seconds = 0;
  double cpu_s = 0;                    ///< CPU of this whole process (sender, sink, proxy/relay) during the run.
  double proxy_user = 0, proxy_sys = 0;  ///< CPU of the proxy's I/O thread, when there is one.
  double rate() const { return seconds > 0 ? bytes / seconds : 0; }
};

/// The sender writes 256 KiB blocks for `seconds`, then closes; the sink counts bytes between
/// its first and its last byte.
BulkResult bulk_run(std::uint16_t port, std::atomic<std::promise<BulkResult>*>& slot, double seconds, int proxy_tid) {
  std::promise<BulkResult> p;
  auto f = p.get_future();
  slot = &p;
  const double cpu0 = process_cpu_s();
  const auto [pu0, ps0] = proxy_tid ? thread_cpu(proxy_tid) : std::pair<double, double>{0, 0};
  int fd = connect_loopback(port);
  std::vector<std::uint8_t> buf(256 * 1024, 'x');
  std::memcpy(buf.data(), kPreamble, 4);
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    if (!write_all(fd, buf.data(), buf.size())) die("bulk: send");
  }
  ::shutdown(fd, SHUT_WR);
  if (f.wait_for(std::chrono::seconds(60)) != std::future_status::ready) die("bulk: sink did not finish");
  ::close(fd);
  auto r = f.get();
  r.cpu_s = process_cpu_s() - cpu0;
  if (proxy_tid) {
    const auto [pu1, ps1] = thread_cpu(proxy_tid);
    r.proxy_user = pu1 - pu0;
    r.proxy_sys = ps1 - ps0;
  }
  return r;
}

std::vector<double> pingpong_run(std::uint16_t port, int trips) {
  int fd = connect_loopback(port);
  std::vector<std::uint8_t> msg(64, 'x'), back(64);
  std::memcpy(msg.data(), kPreamble, 4);
  std::vector<double> rtt_us;
  rtt_us.reserve(static_cast<std::size_t>(trips));
  const int warmup = 1000;
  for (int i = 0; i < trips + warmup; ++i) {
    const auto t0 = now_ns();
    if (!write_all(fd, msg.data(), msg.size()) || !read_all(fd, back.data(), back.size())) die("ping-pong");
    const auto t1 = now_ns();
    if (i >= warmup) rtt_us.push_back(static_cast<double>(t1 - t0) / 1e3);
  }
  ::close(fd);
  return rtt_us;
}

/// A sink that counts bytes (for the bulk runs) and reports them through `slot`.
void bulk_sink(int fd, std::atomic<std::promise<BulkResult>*>& slot) {
  name_this_thread("sink");
  std::vector<std::uint8_t> buf(256 * 1024);
  BulkResult r;
  std::int64_t first = 0, last = 0;
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    last = now_ns();
    if (first == 0) {
      first = last;
      continue;
    }
    r.bytes += static_cast<double>(n);
  }
  r.seconds = static_cast<double>(last - first) / 1e9;
  slot.load()->set_value(r);
}

void overhead_section(const Options& o, const std::string& profile_note) {
  const OtherLoad load;
  const double seconds = o.quick ? 2 : 10;
  const int trips = o.quick ? 5000 : 20000;
  name_this_thread("sender");
  std::atomic<std::promise<BulkResult>*> slot{nullptr};
  TcpServer sink([&slot](int fd) { bulk_sink(fd, slot); });
  TcpServer echo([](int fd) {
    std::vector<std::uint8_t> buf(64 * 1024);
    for (;;) {
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0 || !write_all(fd, buf.data(), static_cast<std::size_t>(n))) break;
    }
  });
  auto before = task_ids();
  auto proxy_sink = start_proxy(sink.port(), {});
  const int proxy_tid = new_thread(before);
  name_thread(proxy_tid, "proxy-bulk");
  before = task_ids();
  auto proxy_echo = start_proxy(echo.port(), {});
  name_thread(new_thread(before), "proxy-echo");
  PlainRelay relay_sink(sink.port()), relay_echo(echo.port());
  SpliceRelay splice_sink(sink.port()), splice_echo(echo.port());

  struct Path {
    const char* label;
    std::uint16_t bulk_port, echo_port;
    int proxy_tid;
    std::vector<double> rate, p50, p99, cpu_per_gib, proxy_busy, proxy_sys_share;
  };
  std::vector<Path> paths = {{"direct", sink.port(), echo.port(), 0, {}, {}, {}, {}, {}, {}},
                             {"fakeserver::Proxy, no fault", proxy_sink->port(), proxy_echo->port(), proxy_tid, {}, {}, {}, {}, {}, {}},
                             {"plain relay (read/write, a blocking thread per direction), reference", relay_sink.port(), relay_echo.port(), 0, {}, {}, {}, {}, {}, {}},
                             {"splice(2) relay (no copy to user space), reference", splice_sink.port(), splice_echo.port(), 0, {}, {}, {}, {}, {}, {}}};
  std::vector<double> ratio, added50, added99, relay_ratio, splice_ratio;
  for (int rep = 0; rep < o.reps; ++rep) {
    for (auto& p : paths) {
      auto b = bulk_run(p.bulk_port, slot, seconds, p.proxy_tid);
      p.rate.push_back(b.rate() / (1024.0 * 1024.0));
      p.cpu_per_gib.push_back(b.cpu_s / (b.bytes / (1024.0 * 1024.0 * 1024.0)));
      if (p.proxy_tid) {
        p.proxy_busy.push_back((b.proxy_user + b.proxy_sys) / b.seconds * 100);
        p.proxy_sys_share.push_back(b.proxy_sys / (b.proxy_user + b.proxy_sys) * 100);
      }
    }
    for (auto& p : paths) {
      auto rtt = pingpong_run(p.echo_port, trips);
      p.p50.push_back(quantile(rtt, 0.5));
      p.p99.push_back(quantile(rtt, 0.99));
    }
    ratio.push_back(paths[1].rate.back() / paths[0].rate.back() * 100);
    relay_ratio.push_back(paths[2].rate.back() / paths[0].rate.back() * 100);
    splice_ratio.push_back(paths[3].rate.back() / paths[0].rate.back() * 100);
    added50.push_back(paths[1].p50.back() - paths[0].p50.back());
    added99.push_back(paths[1].p99.back() - paths[0].p99.back());
  }
  std::printf("### Proxy overhead (no fault) against a direct connection, same run\n\n");
  std::printf("Bulk: one connection, the sender writes 256 KiB blocks for %.0f s to a sink (to_server direction),\n"
              "throughput at the sink between its first and last byte. Ping-pong: 64-byte request, 64-byte echo,\n"
              "%d round trips after 1,000 warm-up ones, one connection. Direct, proxy and relays alternate within\n"
              "each of %d runs; figures are median (min - max) over runs. *CPU per GiB* is the CPU time of the\n"
              "whole benchmark process (sender, sink and proxy or relay threads, user + kernel) per GiB moved.\n\n",
              seconds, trips, o.reps);
  std::printf("| path | bulk throughput (MiB/s) | CPU per GiB (s) | round trip p50 (µs) | round trip p99 (µs) |\n"
              "|---|---|---|---|---|\n");
  for (const auto& p : paths) {
    std::printf("| %s | %s | %s | %s | %s |\n", p.label, spread(p.rate, "%.0f").c_str(), spread(p.cpu_per_gib, "%.3f").c_str(),
                spread(p.p50, "%.1f").c_str(), spread(p.p99, "%.1f").c_str());
  }
  std::printf("\n| measure (proxy vs direct, per run) | value | target | met |\n|---|---|---|---|\n");
  g_targets.push_back({"no-fault proxy throughput >= 90 % of direct",
                       fmt("%.1f %% (median of runs; best run %.1f %%)", median(ratio), vmax(ratio)), vmin(ratio) >= 90});
  g_targets.push_back({"no-fault proxy added round-trip p50 <= 100 µs",
                       fmt("%.1f µs (median of runs; worst run %.1f µs)", median(added50), vmax(added50)), vmax(added50) <= 100});
  std::printf("| throughput, proxy / direct | %s %% | >= 90 %% | %s |\n", spread(ratio, "%.1f").c_str(),
              vmin(ratio) >= 90 ? "yes" : "no");
  std::printf("| throughput, plain relay / direct (reference) | %s %% | | |\n", spread(relay_ratio, "%.1f").c_str());
  std::printf("| throughput, splice relay / direct (reference) | %s %% | | |\n", spread(splice_ratio, "%.1f").c_str());
  std::printf("| proxy I/O thread busy during bulk (of one core) | %s %% | | |\n", spread(paths[1].proxy_busy, "%.0f").c_str());
  std::printf("| of which in the kernel | %s %% | | |\n", spread(paths[1].proxy_sys_share, "%.0f").c_str());
  std::printf("| added round-trip p50 | %s µs | <= 100 µs | %s |\n", spread(added50, "%.1f").c_str(),
              vmax(added50) <= 100 ? "yes" : "no");
  std::printf("| added round-trip p99 | %s µs | | |\n", spread(added99, "%.1f").c_str());
  std::printf("\n%s", load.line().c_str());
  std::printf("%s", profile_note.c_str());
}

/// Only the proxied bulk transfer, for a profiler to watch (bench/link.sh runs perf on it).
/// The proxy's I/O thread is named "proxy-bulk", the sender "sender", the sink "sink".
void profile_section(const Options& o) {
  name_this_thread("sender");
  std::atomic<std::promise<BulkResult>*> slot{nullptr};
  TcpServer sink([&slot](int fd) { bulk_sink(fd, slot); });
  const auto before = task_ids();
  auto proxy = start_proxy(sink.port(), {});
  const int tid = new_thread(before);
  name_thread(tid, "proxy-bulk");
  auto b = bulk_run(proxy->port(), slot, o.quick ? 2 : 10, tid);
  std::fprintf(stderr, "profile: %.0f MiB/s through the proxy; proxy thread user %.2f s, sys %.2f s over %.2f s\n",
               b.rate() / (1024.0 * 1024.0), b.proxy_user, b.proxy_sys, b.seconds);
}

// ---------------------------------------------------------------------------------------------
// 4. Memory per idle session, fake server in its own process (as bench_main.cpp does).

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct IdleProbe {
  pid_t pid;
  long rss = 0;
};

struct MemoryRun {
  int active = 0, failed = 0;
  std::string first_error;
  long base = 0, idle = 0;
  double per_session() const { return active > 0 ? static_cast<double>(idle - base) / active : 0; }
};

MemoryRun memory_run(const std::vector<std::string>& faults, int sessions) {
  char tmpl[] = "/tmp/rdpfault-link-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::vector<std::string> argv;
  // RDPFAULT_LINK_BENCH_WRAP="valgrind --tool=massif ..." runs the server under a profiler.
  if (const char* wrap = std::getenv("RDPFAULT_LINK_BENCH_WRAP")) {
    std::istringstream words(wrap);
    for (std::string w; words >> w;) argv.push_back(w);
  }
  for (const char* a : {RDPFAULT_CLI_PATH, "serve", "--port", "0", "--format", "none", "--seed", "1"}) argv.push_back(a);
  for (const auto& f : faults) {
    argv.push_back("--fault");
    argv.push_back(f);
  }
  test::ChildProcess child(argv, dir + "/serve.out", true);
  std::uint16_t port = 0;
  if (auto line = child.read_line(std::chrono::seconds(120))) port = nlohmann::json::parse(*line)["port"];
  if (port == 0) die("rdpfault serve did not start");
  MemoryRun m;
  IdleProbe warm{child.pid()};
  bench::run_light_clients(port, 1, 1, [](void*) {}, &warm);
  usleep(300000);  // Let the warm-up session close before the baseline.
  m.base = rss_kib(child.pid());
  IdleProbe probe{child.pid()};
  auto r = bench::run_light_clients(
      port, sessions, 64,
      [](void* a) {
        usleep(300000);  // The server has sent every paint; let it settle.
        auto* pr = static_cast<IdleProbe*>(a);
        pr->rss = rss_kib(pr->pid);
      },
      &probe);
  m.idle = probe.rss;
  m.active = r.active;
  m.failed = r.failed;
  m.first_error = r.first_error;
  ::kill(child.pid(), SIGTERM);  // serve exits cleanly on SIGTERM (and a profiler writes its output).
  child.wait_for(std::chrono::seconds(60));
  child.kill_and_reap();
  std::filesystem::remove_all(dir);
  return m;
}

void memory_section(const Options& o) {
  const OtherLoad load;
  const int sessions = o.quick ? 200 : 1000;
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);
  struct Case {
    const char* label;
    std::vector<std::string> faults;
    std::vector<double> per;
    std::vector<double> base, idle;
    int active = 0, failed = 0;
    std::string err;
  };
  std::vector<Case> cases = {
      {"no fault", {}, {}, {}, {}, 0, 0, {}},
      {"point fault `delay:phase=licensing,delay_ms=1`", {"delay:phase=licensing,delay_ms=1"}, {}, {}, {}, 0, 0, {}},
      {"stream fault `latency:direction=both,latency_ms=1` (a Link per connection)",
       {"latency:direction=both,latency_ms=1"}, {}, {}, {}, 0, 0, {}},
  };
  if (o.memory_case >= 0 && o.memory_case < static_cast<int>(cases.size())) {
    auto keep = std::move(cases[static_cast<std::size_t>(o.memory_case)]);
    cases.clear();
    cases.push_back(std::move(keep));
  }
  for (int rep = 0; rep < o.reps; ++rep) {
    for (auto& c : cases) {  // The configurations alternate within each run.
      auto m = memory_run(c.faults, sessions);
      c.per.push_back(m.per_session());
      c.base.push_back(static_cast<double>(m.base));
      c.idle.push_back(static_cast<double>(m.idle));
      c.active = std::min(c.active == 0 ? sessions : c.active, m.active);
      c.failed += m.failed;
      if (c.err.empty()) c.err = m.first_error;
    }
  }
  std::printf("### Fake-server memory per idle session with the fault machinery (%d concurrent, light client)\n\n",
              sessions);
  std::printf("`rdpfault serve --format none` in its own process; the light client of bench/light_client.cpp brings %d\n"
              "sessions to active (TLS) and holds them; RSS per idle session = (RSS with all idle - RSS after one\n"
              "warm-up session) / sessions. %d runs, the configurations alternating; median (min - max) over runs.\n\n",
              sessions, o.reps);
  std::printf("| server faults | sessions active (fewest in a run) / failed (all runs) | RSS before (KiB) | RSS all idle (KiB) | RSS per idle session (KiB) | target <= 64 KiB |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& c : cases) {
    std::printf("| %s | %d / %d%s%s | %s | %s | %s | %s |\n", c.label, c.active, c.failed, c.err.empty() ? "" : ", first: ",
                c.err.c_str(), spread(c.base, "%.0f").c_str(), spread(c.idle, "%.0f").c_str(), spread(c.per, "%.1f").c_str(),
                vmax(c.per) <= 64 ? "met" : "missed");
  }
  std::printf("\n%s", load.line(" (the fake server's included)").c_str());
  for (const auto& c : cases) {
    g_targets.push_back({std::string("server RSS per idle session <= 64 KiB: ") + c.label,
                         fmt("%.1f KiB (median of runs)", median(c.per)), vmax(c.per) <= 64});
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Options o;
  std::string profile_note;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      o.reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--memory-case" && i + 1 < argc) {
      o.memory_case = std::atoi(argv[++i]);
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--profile-note" && i + 1 < argc) {
      // A file whose text is printed after the overhead tables (bench/link.sh passes its profile).
      std::ifstream in(argv[++i]);
      profile_note.assign(std::istreambuf_iterator<char>(in), {});
    } else {
      o.sections.insert(a);
    }
  }
  if (o.want("latency")) latency_section(o);
  if (o.want("bandwidth")) bandwidth_section(o);
  if (o.want("overhead")) overhead_section(o, profile_note);
  if (o.want("memory")) memory_section(o);
  if (o.sections.count("profile")) profile_section(o);
  if (!g_targets.empty()) {
    std::printf("### Targets (issue 8)\n\n| target | measured | met |\n|---|---|---|\n");
    for (const auto& t : g_targets) std::printf("| %s | %s | %s |\n", t.target.c_str(), t.measured.c_str(), t.met ? "yes" : "no");
    std::printf("\n");
  }
  return 0;
}
