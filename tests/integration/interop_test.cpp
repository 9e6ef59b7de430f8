// Independent RDP clients from Debian against the fake server: xfreerdp (FreeRDP's own X11
// client) and rdesktop 1.9, each under Xvfb. A server only our driver accepts is not done.
// And the other way round: our driver against a real server, Debian's xrdp 0.9.21.
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <gtest/gtest.h>

#include "../support/process.hpp"
#include "../support/server_fixture.hpp"
#include "../support/xrdp.hpp"
#include "rdpfault/harness/runner.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault {
namespace {

using test::ChildProcess;

bool reached_active(const fakeserver::MemoryTrace& trace) {
  for (const auto& e : trace.events()) {
    if (e.event == "phase" && e.data["phase"] == "active") return true;
  }
  return false;
}

std::string log_of(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Interop, XfreerdpReachesTheActiveSession) {
  // ci/install-deps.sh installs both; a missing one is a set-up failure, not a skip.
  ASSERT_TRUE(test::have_program("xfreerdp") && test::have_program("xvfb-run"));
  test::RunningServer s;
  const std::string log = s.dir + "/xfreerdp.log";
  ChildProcess p({"xvfb-run", "-a", "xfreerdp", "/v:127.0.0.1:" + std::to_string(s.server->port()), "/u:tester",
                  "/p:", "/sec:tls", "/cert:ignore", "/size:800x600", "-clipboard", "/log-level:WARN"},
                 log);
  ASSERT_TRUE(p.started());
  const bool active = s.wait_for_pdu_out("bitmap update", std::chrono::seconds(30));
  EXPECT_TRUE(active) << log_of(log);
  EXPECT_TRUE(reached_active(*s.trace));
  p.kill_and_reap();
  EXPECT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
}

TEST(Interop, RdesktopReachesTheActiveSession) {
  ASSERT_TRUE(test::have_program("rdesktop") && test::have_program("xvfb-run"));
  test::RunningServer s;
  const std::string log = s.dir + "/rdesktop.log";
  // rdesktop asks on stdin whether to trust the certificate; HOME keeps its store private.
  const std::string cmd = "echo yes | HOME=" + s.dir + " rdesktop -u tester -g 800x600 127.0.0.1:" +
                          std::to_string(s.server->port());
  ChildProcess p({"xvfb-run", "-a", "sh", "-c", cmd}, log);
  ASSERT_TRUE(p.started());
  const bool painted = s.wait_for_pdu_out("bitmap update", std::chrono::seconds(30));
  EXPECT_TRUE(painted) << log_of(log);
  EXPECT_TRUE(reached_active(*s.trace));
  p.kill_and_reap();
  EXPECT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
}

// NLA is not only for our driver: FreeRDP's own X11 client logs on with CredSSP/NTLM.
TEST(Interop, XfreerdpLogsOnWithNla) {
  ASSERT_TRUE(test::have_program("xfreerdp") && test::have_program("xvfb-run"));
  fakeserver::ServerConfig cfg;
  cfg.acceptor.allow_nla = true;
  cfg.accounts.push_back({"alice", "", "Interop-Pw1", scenario::AccountState::active});
  test::RunningServer s(cfg);
  const std::string log = s.dir + "/xfreerdp.log";
  ChildProcess p({"xvfb-run", "-a", "xfreerdp", "/v:127.0.0.1:" + std::to_string(s.server->port()), "/u:alice",
                  "/p:Interop-Pw1", "/sec:nla", "/cert:ignore", "/size:800x600", "-clipboard", "/log-level:WARN"},
                 log);
  ASSERT_TRUE(p.started());
  EXPECT_TRUE(s.wait_for_pdu_out("bitmap update", std::chrono::seconds(30))) << log_of(log);
  bool nla_logon = false;
  for (const auto& e : s.trace->events()) nla_logon |= e.event == "logon" && e.data.value("via", "") == "nla";
  EXPECT_TRUE(nla_logon);
  p.kill_and_reap();
}

const scenario::Scenario& catalog_scenario(const std::string& name) {
  static const auto catalog = scenario::load_catalog(RDPFAULT_SOURCE_CATALOG);
  for (const auto& s : catalog.scenarios) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no scenario " + name);
}

bool trace_has(const fakeserver::MemoryTrace& t, const std::string& event, const std::string& pdu = "") {
  for (const auto& e : t.events()) {
    if (e.event == event && (pdu.empty() || e.data.value("pdu", "") == pdu)) return true;
  }
  return false;
}

/// Waits (bounded) until the server has sent a bitmap update: the client reached the session.
bool painted_within(const fakeserver::MemoryTrace& trace, std::chrono::seconds limit) {
  return trace.wait_until(
      [](const auto& events) {
        for (const auto& e : events) {
          if (e.event == "pdu_out" && e.data.value("pdu", "") == "bitmap update") return true;
        }
        return false;
      },
      limit);
}

// A scenario is not only for our driver: xfreerdp sees the same denial (exit 131 with
// ERRINFO_SERVER_DENIED_CONNECTION, as docs/causes.md describes for errinfo-server-denied) and
// connects once the fix is applied.
TEST(Interop, XfreerdpSeesAScenarioBreakAndItsFix) {
  ASSERT_TRUE(test::have_program("xfreerdp") && test::have_program("xvfb-run"));
  const auto& sc = catalog_scenario("errinfo-server-denied");
  for (const bool fixed : {false, true}) {
    auto trace = std::make_shared<fakeserver::MemoryTrace>();
    harness::Environment env(fixed ? sc.fixed_server : sc.server, sc.client, trace);
    char dir[] = "/tmp/rdpfault-interop-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string log = std::string(dir) + "/xfreerdp.log";
    ChildProcess p({"xvfb-run", "-a", "xfreerdp", "/v:127.0.0.1:" + std::to_string(env.client_port()), "/u:tester",
                    "/p:", "/sec:tls", "/cert:ignore", "/size:800x600", "-clipboard", "/log-level:WARN"},
                   log);
    ASSERT_TRUE(p.started());
    if (fixed) {
      EXPECT_TRUE(painted_within(*trace, std::chrono::seconds(30))) << log_of(log);
      p.kill_and_reap();
    } else {
      const auto status = p.wait_for(std::chrono::seconds(30));
      ASSERT_TRUE(status) << "xfreerdp did not give up: " << log_of(log);
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 131) << log_of(log);
      EXPECT_NE(log_of(log).find("ERRINFO_SERVER_DENIED_CONNECTION"), std::string::npos) << log_of(log);
      EXPECT_TRUE(trace_has(*trace, "fault"));
    }
    env.stop();
    std::filesystem::remove_all(dir);
  }
}

TEST(Interop, RdesktopIsDeniedThenConnectsAfterTheFix) {
  ASSERT_TRUE(test::have_program("rdesktop") && test::have_program("xvfb-run"));
  const auto& sc = catalog_scenario("errinfo-server-denied");
  for (const bool fixed : {false, true}) {
    auto trace = std::make_shared<fakeserver::MemoryTrace>();
    harness::Environment env(fixed ? sc.fixed_server : sc.server, sc.client, trace);
    char dir[] = "/tmp/rdpfault-interop-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string log = std::string(dir) + "/rdesktop.log";
    const std::string cmd = "echo yes | HOME=" + std::string(dir) + " rdesktop -u tester -g 800x600 127.0.0.1:" +
                            std::to_string(env.client_port());
    ChildProcess p({"xvfb-run", "-a", "sh", "-c", cmd}, log);
    ASSERT_TRUE(p.started());
    if (fixed) {
      EXPECT_TRUE(painted_within(*trace, std::chrono::seconds(30))) << log_of(log);
      p.kill_and_reap();
    } else {
      const auto status = p.wait_for(std::chrono::seconds(30));
      ASSERT_TRUE(status) << "rdesktop did not give up: " << log_of(log);
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << log_of(log);
      EXPECT_TRUE(trace_has(*trace, "fault"));
      EXPECT_FALSE(trace_has(*trace, "pdu_out", "bitmap update"));
    }
    env.stop();
    std::filesystem::remove_all(dir);
  }
}

// The library driver (rdpfault-driver, FreeRDP 2.11) survives a real server's updates. xrdp
// sends at once what our fake server never does, a New Pointer update among them; the driver
// once installed four update callbacks and no GDI, and died of SIGSEGV inside libfreerdp2
// right after reaching xrdp's active session (5 of 5 connections; FreeRDP's pointer handler
// needs the caches gdi_init makes). Several connections, one after another, each staying past
// the first update; the same against ours.
TEST(Interop, DriverReachesXrdpAndPaintsWithoutCrashing) {
  ASSERT_TRUE(test::XrdpServer::available()) << test::XrdpServer::kBinary << " is not installed (Debian package xrdp)";
  test::XrdpServer xrdp;
  test::RunningServer ours;
  constexpr int kConnections = 5;
  const std::pair<const char*, ConnectRequest> targets[] = {{"xrdp", xrdp.request()}, {"fake server", ours.request()}};
  for (const auto& [name, base] : targets) {
    int crashed = 0, connected = 0, painted = 0;
    double slowest_to_active_ms = 0;
    for (int i = 0; i < kConnections; ++i) {
      SCOPED_TRACE(std::string(name) + ", connection " + std::to_string(i + 1));
      auto req = base;
      req.stay_ms = 1500;  // Past the first update: the rest of the screen and the pointer.
      const auto r = client::run_driver(req);
      crashed += r.outcome == Outcome::crashed;
      connected += r.outcome == Outcome::connected;
      painted += r.painted;
      double to_active_ms = 0;
      for (const auto& t : r.phases) to_active_ms += t.phase == Phase::active ? 0 : t.ms;
      slowest_to_active_ms = std::max(slowest_to_active_ms, to_active_ms);
      EXPECT_NE(r.outcome, Outcome::crashed) << client::describe(r);
      EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
      EXPECT_EQ(r.phase_reached, Phase::active) << client::describe(r);
      EXPECT_TRUE(r.painted) << client::describe(r);
    }
    std::cout << name << ": " << connected << "/" << kConnections << " connected, " << painted << " painted, "
              << crashed << " crashed; slowest to the active session " << slowest_to_active_ms << " ms\n";
  }
  EXPECT_TRUE(xrdp.running()) << xrdp.log();
}

}  // namespace
}  // namespace rdpfault
