// bench/soak: many connections that give up at every phase, mixed with real FreeRDP
// connections, against one `rdpfault serve` process; reports its RSS and descriptor count
// before and after, and checks the trace accounts for every connection.
//
//   rdpfault_soak CLI_PATH [CONNECTIONS] [FREERDP_EVERY] [SEED] [SERVER_STDERR_FILE]
//
// A benchmark, not a test: it prints figures (bench/soak.sh writes them into
// docs/reliability.md) and exits non-zero only when the run itself went wrong (the server
// died, a connection is missing from the trace).
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "raw_client.hpp"
#include "rdpfault/client/driver.hpp"

using namespace rdpfault;
using namespace std::chrono_literals;

namespace {

/// Where a client gives up. Each is a way real clients, scanners and broken middleboxes leave.
enum class Abort {
  close_at_once,        ///< TCP connect, then close (a port scanner).
  reset_at_once,        ///< TCP connect, then RST.
  half_x224,            ///< Half a Connection Request, then close.
  after_x224,           ///< The Connection Confirm read, then close.
  half_client_hello,    ///< TLS asked for, then the first bytes of a ClientHello and close.
  mcs_then_reset,       ///< The Connect Initial sent, nothing read, RST.
  after_attach_user,    ///< The user channel attached, then close.
  after_joins_reset,    ///< Every channel joined, then RST.
  in_licensing,         ///< Client Info sent, the licensing PDU read, then close.
  in_finalization,      ///< Confirm Active only, then close.
  active_then_close,    ///< The whole sequence, the first paint read, then close.
  active_then_reset,    ///< The whole sequence, then RST.
  garbage,              ///< 64 random bytes instead of a Connection Request.
  count
};

const char* name(Abort a) {
  static const char* const names[] = {"close at once",     "reset at once",     "half X.224",        "after X.224",
                                      "half ClientHello",  "MCS then reset",    "after attach user", "after joins, reset",
                                      "in licensing",      "in finalization",   "active, close",     "active, reset",
                                      "garbage"};
  return names[static_cast<int>(a)];
}

/// One connection that gives up at `a`. True when it went as planned up to the abort point.
bool abort_at(std::uint16_t port, Abort a, std::mt19937_64& rng) {
  test::RawClient c(port, 5s);
  if (!c.connected()) return false;
  test::ClientFrames f;
  f.requested = f.selected = 0;  // Standard RDP Security: no TLS (the light client has none).
  switch (a) {
    case Abort::close_at_once: c.close(); return true;
    case Abort::reset_at_once: c.reset(); return true;
    case Abort::half_x224: {
      auto b = f.connection_request();
      b.resize(b.size() / 2);
      c.send(b);
      c.close();
      return true;
    }
    case Abort::garbage: {
      pdu::Bytes b(64);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
      c.send(b);
      return c.read_until_closed();
    }
    case Abort::half_client_hello: {
      test::ClientFrames t;  // TLS
      if (!c.send(t.connection_request()) || !c.read_frame()) return false;
      // A TLS 1.2 handshake record header announcing 200 bytes, and only 11 of them.
      c.send(pdu::Bytes{0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a});
      c.close();
      return true;
    }
    default: break;
  }
  if (!c.send(f.connection_request()) || !c.read_frame()) return false;
  if (a == Abort::after_x224) return c.close(), true;
  if (!c.send(f.connect_initial())) return false;
  if (a == Abort::mcs_then_reset) return c.reset(), true;
  if (!c.read_frame()) return false;
  if (!c.send(pdu::encode_erect_domain_request()) || !c.send(pdu::encode_attach_user_request()) || !c.read_frame()) {
    return false;
  }
  if (a == Abort::after_attach_user) return c.close(), true;
  for (auto ch : f.joins()) {
    if (!c.send(f.join(ch)) || !c.read_frame()) return false;
  }
  if (a == Abort::after_joins_reset) return c.reset(), true;
  if (!c.send(f.client_info()) || !c.read_frames(2)) return false;
  if (a == Abort::in_licensing) return c.close(), true;
  if (!c.send(f.confirm_active())) return false;
  if (a == Abort::in_finalization) return c.close(), true;
  for (const auto& b : {f.synchronize(), f.cooperate(), f.request_control()}) {
    if (!c.send(b)) return false;
  }
  if (!c.read_frames(3) || !c.send(f.font_list()) || !c.read_frames(2)) return false;  // Font Map, a paint.
  if (a == Abort::active_then_reset) return c.reset(), true;
  c.close();
  return true;
}

long status_kib(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return -1;
}

long fd_count(pid_t pid) {
  long n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

/// The server's trace, read as it comes: every connection accepted and closed, by id.
class TraceCounter {
 public:
  explicit TraceCounter(test::ChildProcess& child) : child_(child), thread_([this] { run(); }) {}
  ~TraceCounter() {
    stop_ = true;
    thread_.join();
  }
  /// Waits (bounded) until every accepted connection has closed and at least `accepted` were.
  bool settle(std::size_t accepted, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return accepted_.size() >= accepted && open_locked() == 0; });
  }
  std::size_t accepted() {
    std::lock_guard lock(mu_);
    return accepted_.size();
  }
  std::size_t open() {
    std::lock_guard lock(mu_);
    return open_locked();
  }
  std::map<std::string, std::size_t> closed_by() {
    std::lock_guard lock(mu_);
    return by_;
  }

 private:
  std::size_t open_locked() const {
    std::size_t n = 0;
    for (auto id : accepted_) n += closed_.count(id) ? 0 : 1;
    return n;
  }
  void run() {
    while (!stop_) {
      auto line = child_.read_line(100ms);
      if (!line) continue;
      const auto e = nlohmann::json::parse(*line, nullptr, false);
      if (!e.is_object() || !e.contains("event")) continue;
      std::lock_guard lock(mu_);
      if (e["event"] == "accepted") accepted_.insert(e.value("conn", 0ull));
      if (e["event"] == "closed") {
        closed_.insert(e.value("conn", 0ull));
        // The reason's kind only ("protocol error", "timeout"...), not its per-connection details.
        std::string why = e.value("by", std::string("?"));
        if (e.contains("reason") && e["reason"].is_string()) {
          const auto r = e["reason"].get<std::string>();
          why += ": " + r.substr(0, std::min(r.find_first_of(":(0123456789"), std::size_t{48}));
          while (!why.empty() && why.back() == ' ') why.pop_back();
        }
        ++by_[why];
      }
      cv_.notify_all();
    }
  }
  test::ChildProcess& child_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<unsigned long long> accepted_, closed_;
  std::map<std::string, std::size_t> by_;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rdpfault_soak CLI_PATH [CONNECTIONS] [FREERDP_EVERY] [SEED] [SERVER_STDERR_FILE]\n";
    return 2;
  }
  const std::string cli = argv[1];
  const int total = argc > 2 ? std::stoi(argv[2]) : 10000;
  const int freerdp_every = argc > 3 ? std::stoi(argv[3]) : 50;
  const std::uint64_t seed = argc > 4 ? std::stoull(argv[4]) : 1;
  const std::string server_log = argc > 5 ? argv[5] : "/dev/null";
  const int warmup = std::max(total / 10, 1);
  constexpr int kThreads = 8;

  test::ChildProcess serve({cli, "serve", "--port", "0", "--format", "json", "--sec", "rdp,tls"}, server_log, true);
  auto hello = serve.read_line(30s);
  if (!hello) {
    std::cerr << "soak: rdpfault serve did not start\n";
    return 1;
  }
  const std::uint16_t port = nlohmann::json::parse(*hello)["port"];
  const pid_t pid = serve.pid();
  TraceCounter trace(serve);

  std::atomic<int> next{0}, ok{0}, unexpected{0};
  std::vector<std::atomic<int>> per_kind(static_cast<int>(Abort::count));
  std::atomic<int> freerdp_ok{0}, freerdp_runs{0}, freerdp_tcp{0};
  auto batch = [&](int upto) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(seed * 1000003 + static_cast<std::uint64_t>(t) * 7919 + static_cast<std::uint64_t>(upto));
        for (int i = next++; i < upto; i = next++) {
          if (freerdp_every > 0 && i % freerdp_every == 0) {
            ConnectRequest req;
            req.port = port;
            req.security = {SecurityProtocol::tls};
            req.cert_policy = CertPolicy::accept_any;
            req.username = "soak";
            auto r = client::run_driver(req);
            ++freerdp_runs;
            freerdp_tcp += std::max(r.tcp_connections, 1);
            if (r.outcome == Outcome::connected) ++freerdp_ok;
            continue;
          }
          const auto a = static_cast<Abort>(rng() % static_cast<int>(Abort::count));
          ++per_kind[static_cast<int>(a)];
          (abort_at(port, a, rng) ? ok : unexpected)++;
        }
      });
    }
    for (auto& th : threads) th.join();
    next = upto;  // Each thread drew one index past `upto` on its way out.
  };

  const auto start = std::chrono::steady_clock::now();
  batch(warmup);
  auto expected = [&] { return static_cast<std::size_t>(ok + unexpected) + static_cast<std::size_t>(freerdp_tcp); };
  if (!trace.settle(expected(), 60s)) std::cerr << "soak: warm-up did not settle: " << trace.open() << " open\n";
  const long rss0 = status_kib(pid, "VmRSS:"), fds0 = fd_count(pid), hwm0 = status_kib(pid, "VmHWM:");
  batch(total);
  const bool settled = trace.settle(expected(), 120s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long rss1 = status_kib(pid, "VmRSS:"), fds1 = fd_count(pid), hwm1 = status_kib(pid, "VmHWM:");
  const bool alive = ::kill(pid, 0) == 0;
  ::kill(pid, SIGTERM);  // A clean exit: under ASan, LeakSanitizer reports at exit.
  const auto status = serve.wait_for(30s);

  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| connections (light clients giving up at a random point / FreeRDP driver runs) | %d / %d |\n",
              ok + unexpected, freerdp_runs.load());
  std::printf("| light clients that went as planned up to their abort point | %d (%d did not: the server closed first) |\n",
              ok.load(), unexpected.load());
  std::printf("| FreeRDP runs that reached the active session | %d of %d (%d TCP connections) |\n", freerdp_ok.load(),
              freerdp_runs.load(), freerdp_tcp.load());
  std::printf("| connections in the server's trace: accepted / still open at the end | %zu / %zu (expected %zu accepted) |\n",
              trace.accepted(), trace.open(), expected());
  std::printf("| server RSS after warm-up (%d connections) -> at the end | %ld KiB -> %ld KiB (%+.2f %%) |\n", warmup, rss0,
              rss1, rss0 > 0 ? 100.0 * static_cast<double>(rss1 - rss0) / static_cast<double>(rss0) : 0.0);
  std::printf("| server peak RSS (VmHWM) after warm-up -> at the end | %ld KiB -> %ld KiB |\n", hwm0, hwm1);
  std::printf("| server open descriptors after warm-up -> at the end | %ld -> %ld |\n", fds0, fds1);
  std::printf("| wall time | %.1f s (%.0f connections/s) |\n", secs, (ok + unexpected + freerdp_runs) / secs);
  std::printf("| server exit on SIGTERM | %s |\n",
              status && WIFEXITED(*status) ? ("status " + std::to_string(WEXITSTATUS(*status))).c_str()
                                           : "did not exit cleanly");
  std::printf("\nAbort points drawn (seed %llu):", static_cast<unsigned long long>(seed));
  for (int k = 0; k < static_cast<int>(Abort::count); ++k) std::printf(" %s %d;", name(static_cast<Abort>(k)), per_kind[k].load());
  std::printf("\n\nHow the server saw them end (trace `closed`):");
  for (const auto& [why, n] : trace.closed_by()) std::printf(" %s %zu;", why.c_str(), n);
  std::printf("\n");
  const bool accounted = settled && trace.accepted() == expected();
  if (!alive || !accounted) {
    std::cerr << "soak: " << (!alive ? "the server died" : "the trace does not account for every connection") << "\n";
    return 1;
  }
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? 0 : 1;
}
