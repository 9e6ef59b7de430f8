// rdpfault benchmarks (not tests): per-connection cost of the fake server with the real
// FreeRDP client, and memory per idle session with 1,000 concurrent light-client sessions.
// Prints a Markdown section; bench/run.sh puts it into docs/benchmarks.md.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "light_client.hpp"
#include "process.hpp"
#include "server_fixture.hpp"

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

void freerdp_connections(int n) {
  test::RunningServer s;
  std::vector<double> wall, server_ms, cpu_us;
  for (int i = 0; i <= n; ++i) {
    const auto cpu0 = s.server->io_thread_cpu_time();
    const auto events_before = s.trace->events().size();
    auto r = client::run_driver(s.request());
    if (r.outcome != Outcome::connected) {
      std::cerr << "bench: connection " << i << " failed:\n" << client::describe(r);
      std::exit(1);
    }
    s.wait_for_event("closed", static_cast<std::size_t>(i + 1), std::chrono::seconds(5));
    const auto cpu1 = s.server->io_thread_cpu_time();
    if (i == 0) continue;  // Warm-up: first TLS context use, page faults.
    wall.push_back(r.elapsed_ms);
    cpu_us.push_back(static_cast<double>((cpu1 - cpu0).count()) / 1000.0);
    auto ev = s.trace->events();
    for (std::size_t k = events_before; k < ev.size(); ++k) {
      if (ev[k].event == "phase" && ev[k].data["phase"] == "active") server_ms.push_back(static_cast<double>(ev[k].t_us) / 1000.0);
    }
  }
  std::printf("### Full FreeRDP 2.11 connection to the active session (TLS, %d sequential runs)\n\n", n);
  std::printf("| measure | median | min | max |\n|---|---|---|---|\n");
  auto row = [](const char* name, const std::vector<double>& v, const char* unit) {
    std::printf("| %s | %.2f %s | %.2f %s | %.2f %s |\n", name, median(v), unit, *std::min_element(v.begin(), v.end()), unit,
                *std::max_element(v.begin(), v.end()), unit);
  };
  row("driver wall time (process start to result, incl. FreeRDP's ~300 ms start-up)", wall, "ms");
  row("server: TCP accept to active session", server_ms, "ms");
  row("fake-server CPU per connection (I/O thread)", cpu_us, "µs");
  std::printf("\nTarget: at most 2 ms of server CPU per full connection.\n\n");
}

struct IdleProbe {
  pid_t pid;
  long rss = 0;
};

void idle_sessions(int sessions) {
  char tmpl[] = "/tmp/rdpfault-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  const std::string out = dir + "/serve.out";
  test::ChildProcess server({RDPFAULT_CLI_PATH, "serve", "--port", "0", "--format", "none"}, out);
  // The first line is {"event":"listening","port":N,...}; wait (bounded) for it.
  std::uint16_t port = 0;
  for (int i = 0; i < 500 && port == 0; ++i) {
    std::ifstream in(out);
    std::string line;
    if (std::getline(in, line) && !line.empty()) port = nlohmann::json::parse(line)["port"];
    else usleep(10000);
  }
  if (port == 0) {
    std::cerr << "bench: rdpfault serve did not start\n";
    std::exit(1);
  }
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
  freerdp_connections(connections);
  idle_sessions(sessions);
  return 0;
}
