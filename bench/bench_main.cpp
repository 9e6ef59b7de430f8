// rdpfault benchmarks (not tests): per-connection cost of the fake server with the real
// FreeRDP client, and memory per idle session with 1,000 concurrent light-client sessions.
// Prints a Markdown section; bench/run.sh puts it into docs/benchmarks.md.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "light_client.hpp"
#include "process.hpp"
#include "rdpfault/client/driver.hpp"

using namespace rdpfault;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// `rdpfault serve` as a user runs it, in its own process, trace to a file.
struct ServeProcess {
  explicit ServeProcess(const std::string& dir, const std::string& format, std::vector<std::string> extra = {})
      : out(dir + "/serve.out"), child(argv(format, std::move(extra)), out, true) {
    if (auto line = child.read_line(std::chrono::seconds(30))) port = nlohmann::json::parse(*line)["port"];
    if (port == 0) {
      std::cerr << "bench: rdpfault serve did not start\n";
      std::exit(1);
    }
  }
  static std::vector<std::string> argv(const std::string& format, std::vector<std::string> extra) {
    std::vector<std::string> a = {RDPFAULT_CLI_PATH, "serve", "--port", "0", "--format", format};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  /// On-CPU time of the server's I/O thread (the newest thread), from the scheduler.
  double io_thread_cpu_us() const {
    std::string dir = "/proc/" + std::to_string(child.pid()) + "/task";
    long newest = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) newest = std::max(newest, std::stol(e.path().filename()));
    std::ifstream in(dir + "/" + std::to_string(newest) + "/schedstat");
    double ns = 0;
    in >> ns;
    return ns / 1000.0;
  }
  std::string out;
  test::ChildProcess child;
  std::uint16_t port = 0;
};

constexpr const char* kBenchPassword = "bench-Passw0rd";

void freerdp_connections(int n, bool nla) {
  char tmpl[] = "/tmp/rdpfault-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ServeProcess serve(dir, "json",
                     nla ? std::vector<std::string>{"--user", "bench", "--password", kBenchPassword}
                         : std::vector<std::string>{});
  auto request = [&] {
    ConnectRequest req;
    req.host = "127.0.0.1";
    req.port = serve.port;
    req.security = {nla ? SecurityProtocol::nla : SecurityProtocol::tls};
    req.cert_policy = CertPolicy::accept_any;
    req.username = "bench";
    if (nla) req.password = kBenchPassword;
    return req;
  };
  std::vector<double> wall, cpu_us;
  for (int i = 0; i <= n; ++i) {
    const auto req = request();
    const double cpu0 = serve.io_thread_cpu_us();
    auto r = client::run_driver(req);
    if (r.outcome != Outcome::connected) {
      std::cerr << "bench: connection " << i << " failed:\n" << client::describe(r);
      std::exit(1);
    }
    // The server's part ends when it sees the client leave: wait for that (bounded) before reading.
    for (int k = 0; k < 200; ++k) {
      auto line = serve.child.read_line(std::chrono::milliseconds(25));
      if (line && line->find("\"closed\"") != std::string::npos) break;
    }
    const double cpu1 = serve.io_thread_cpu_us();
    if (i == 0) continue;  // Warm-up: first use of the TLS context, page faults.
    wall.push_back(r.elapsed_ms);
    cpu_us.push_back(cpu1 - cpu0);
  }
  // The same, four clients at a time: wake-ups of the I/O thread are shared between sessions.
  const int batches = n / 4 > 0 ? n / 4 : 1;
  const double par0 = serve.io_thread_cpu_us();
  for (int b = 0; b < batches; ++b) {
    std::vector<std::future<ConnectResult>> runs;
    for (int k = 0; k < 4; ++k) {
      const auto req = request();
      runs.push_back(std::async(std::launch::async, [req] { return client::run_driver(req); }));
    }
    for (auto& f : runs) f.get();
    for (int closed = 0, k = 0; closed < 4 && k < 400; ++k) {
      auto line = serve.child.read_line(std::chrono::milliseconds(25));
      if (line && line->find("\"closed\"") != std::string::npos) ++closed;
    }
  }
  const double parallel_us = (serve.io_thread_cpu_us() - par0) / (batches * 4);
  serve.child.kill_and_reap();
  std::filesystem::remove_all(dir);
  std::printf("### Full FreeRDP 2.11 connection to the active session (%s, %d sequential runs)\n\n",
              nla ? "NLA: TLS + CredSSP/NTLM logon" : "TLS", n);
  std::printf("`rdpfault serve` in its own process with its JSON trace on; the FreeRDP driver connects, waits for\n"
              "the first paint and disconnects.\n\n");
  std::printf("| measure | median | min | max |\n|---|---|---|---|\n");
  auto row = [](const char* name, const std::vector<double>& v, const char* unit) {
    std::printf("| %s | %.2f %s | %.2f %s | %.2f %s |\n", name, median(v), unit, *std::min_element(v.begin(), v.end()), unit,
                *std::max_element(v.begin(), v.end()), unit);
  };
  row("driver wall time (process start to active + first paint)", wall, "ms");
  row("fake-server CPU per connection (I/O thread, on-CPU time from schedstat)", cpu_us, "µs");
  std::printf("| fake-server CPU per connection, 4 clients at a time (%d connections) | %.2f µs | | |\n", batches * 4,
              parallel_us);
  if (!nla) std::printf("\nTarget: at most 2 ms of server CPU per full connection.\n");
  std::printf("\n");
}

struct IdleProbe {
  pid_t pid;
  long rss = 0;
};

void idle_sessions(int sessions) {
  char tmpl[] = "/tmp/rdpfault-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  ServeProcess serve_process(dir, "none");
  auto& server = serve_process.child;
  const std::uint16_t port = serve_process.port;
  const pid_t pid = server.pid();
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  IdleProbe warm{pid};
  auto w = bench::run_light_clients(port, 1, 1, [](void*) {}, &warm);
  usleep(200000);  // Let the warm-up session close before the baseline (a benchmark, not a test).
  const long base = rss_kib(pid);
  IdleProbe probe{pid};
  auto r = bench::run_light_clients(
      port, sessions, 64, [](void* a) { auto* pr = static_cast<IdleProbe*>(a); pr->rss = rss_kib(pr->pid); }, &probe);
  std::printf("### Idle active sessions (%d concurrent, light client)\n\n", sessions);
  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| sessions that reached active | %d (failed: %d%s%s) |\n", r.active, r.failed, r.first_error.empty() ? "" : ", first: ",
              r.first_error.c_str());
  std::printf("| fake-server RSS before | %ld KiB |\n| fake-server RSS with all sessions idle | %ld KiB |\n", base, probe.rss);
  std::printf("| RSS per idle session | %.1f KiB |\n", r.active > 0 ? static_cast<double>(probe.rss - base) / r.active : 0.0);
  std::printf("\nTarget: at most 64 KiB per idle session. (warm-up session: %s)\n\n", w.active == 1 ? "ok" : w.first_error.c_str());
  server.kill_and_reap();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  int connections = argc > 1 ? std::atoi(argv[1]) : 30;
  int sessions = argc > 2 ? std::atoi(argv[2]) : 1000;
  signal(SIGPIPE, SIG_IGN);
  freerdp_connections(connections, false);
  freerdp_connections(connections, true);
  idle_sessions(sessions);
  return 0;
}
