// rdpfault::fakeserver::Proxy (`rdpfault proxy`) between the FreeRDP 2.11 driver (or
// xfreerdp) and a real server: our fake server, and Debian's xrdp 0.9.21. What the client
// sees is checked against what the proxy's trace says it did, and, where the upstream is
// ours, against the fake server's own trace.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/fault_script.hpp"
#include "../support/process.hpp"
#include "../support/server_fixture.hpp"
#include "../support/xrdp.hpp"
#include "rdpfault/fakeserver/proxy.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;
using fakeserver::TraceEvent;

constexpr const char* kPastTls = "basic_settings_exchange..active";  // The tracker's range after TLS.

/// A started proxy in front of 127.0.0.1:`upstream_port` with an in-memory trace.
struct TestProxy {
  explicit TestProxy(std::uint16_t upstream_port, const std::vector<std::string>& specs = {}) {
    fakeserver::ProxyConfig cfg;
    cfg.upstream_port = upstream_port;
    cfg.faults = test::parse_specs(specs);
    cfg.connect_timeout = 3s;
    cfg.trace = trace;
    proxy = std::make_unique<fakeserver::Proxy>(std::move(cfg));
    proxy->start();
  }

  std::uint16_t port() const { return proxy->port(); }

  std::vector<TraceEvent> named(const std::string& name, std::uint64_t conn = 1) const {
    std::vector<TraceEvent> out;
    for (auto& e : trace->events_for(conn)) {
      if (e.event == name) out.push_back(e);
    }
    return out;
  }
  /// The one event of this name on connection `conn` (a test failure if there is not exactly one).
  nlohmann::json one(const std::string& name, std::uint64_t conn = 1) const {
    auto all = named(name, conn);
    EXPECT_EQ(all.size(), 1u) << "events '" << name << "' on #" << conn << ":\n" << dump();
    return all.empty() ? nlohmann::json::object() : all.front().data;
  }
  std::vector<std::string> event_names(std::uint64_t conn = 1) const {
    std::vector<std::string> out;
    for (auto& e : trace->events_for(conn)) out.push_back(e.event);
    return out;
  }
  std::vector<std::string> phases(std::uint64_t conn = 1) const {
    std::vector<std::string> out;
    for (auto& e : named("phase", conn)) out.push_back(e.data["phase"]);
    return out;
  }
  /// Waits (bounded) for connection `conn`'s `closed` event.
  bool wait_closed(std::chrono::milliseconds limit, std::uint64_t conn = 1) const {
    return trace->wait_until(
        [conn](const auto& ev) {
          for (const auto& e : ev) {
            if (e.conn == conn && e.event == "closed") return true;
          }
          return false;
        },
        limit);
  }
  std::string dump() const {
    std::string s;
    for (auto& e : trace->events()) s += "  " + fakeserver::format_event(e) + "\n";
    return s;
  }

  std::shared_ptr<fakeserver::MemoryTrace> trace = std::make_shared<fakeserver::MemoryTrace>();
  std::unique_ptr<fakeserver::Proxy> proxy;
};

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double phase_ms(const ConnectResult& r, Phase p) {
  for (const auto& t : r.phases) {
    if (t.phase == p) return t.ms;
  }
  return 0;
}

bool server_tls_ok(const fakeserver::MemoryTrace& t) {
  for (const auto& e : t.events()) {
    if (e.event == "tls" && e.data.value("result", "") == "ok") return true;
  }
  return false;
}

/// The driver reached xrdp's active session (its login screen) and stayed connected through
/// xrdp's first updates (it once died there of SIGSEGV: Interop.DriverReachesXrdpAndPaints...).
void expect_reached_xrdp_active(const ConnectResult& r) {
  EXPECT_EQ(r.phase_reached, Phase::active) << client::describe(r);
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_TRUE(r.painted) << client::describe(r);
}

/// A request for xrdp through a proxy on `port` (see XrdpServer::request).
ConnectRequest xrdp_request(const test::XrdpServer& x, std::uint16_t port) { return x.request(port); }

// ci/install-deps.sh installs xrdp: a missing one is a set-up failure, not a skip.
#define REQUIRE_XRDP() \
  ASSERT_TRUE(test::XrdpServer::available()) << test::XrdpServer::kBinary << " is not installed (Debian package xrdp)"

// a. No fault in front of our fake server: the client connects as if there were no proxy,
// and the proxy's tracker follows the X.224 exchange and the TLS framing.
TEST(Proxy, PassesAHealthySessionAndTracesItsPhases) {
  test::RunningServer s;
  TestProxy p(s.server->port());
  auto req = s.request();
  req.port = p.port();
  const auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::active);
  EXPECT_TRUE(r.painted);
  EXPECT_EQ(r.tcp_connections, 1);

  ASSERT_TRUE(p.wait_closed(5s)) << p.dump();
  EXPECT_EQ(p.event_names(), (std::vector<std::string>{"accepted", "upstream", "x224_request", "negotiation", "phase",
                                                       "phase", "link", "closed"}))
      << p.dump();
  EXPECT_EQ(p.one("upstream")["address"], "127.0.0.1:" + std::to_string(s.server->port()));
  const auto x224 = p.one("x224_request");
  EXPECT_EQ(x224["cookie"], "tester");
  EXPECT_EQ(x224["requested"], "ssl");
  const auto neg = p.one("negotiation");
  EXPECT_EQ(neg["result"], "selected");
  EXPECT_EQ(neg["selected"], "ssl");
  // connection_initiation is where the tracker starts: it announces only the changes.
  EXPECT_EQ(p.phases(), (std::vector<std::string>{"security_upgrade", kPastTls}));
  const auto link = p.one("link");
  EXPECT_EQ(link["by"], "peer");
  EXPECT_EQ(link["rst"], false);
  EXPECT_EQ(link["held_ms"], 0);
  for (const char* dir : {"to_client", "to_server"}) {
    EXPECT_GT(link[dir]["read"].get<std::uint64_t>(), 1000u) << dir;
    EXPECT_EQ(link[dir]["read"], link[dir]["written"]) << dir << ": a healthy link loses nothing";
  }
  const auto closed = p.one("closed");
  EXPECT_TRUE(closed["by"] == "client" || closed["by"] == "server") << closed.dump();
  EXPECT_EQ(closed["phase"], kPastTls);

  // The server behind it saw one ordinary connection: TLS and the whole sequence.
  ASSERT_TRUE(s.wait_for_event("closed", 1, 5s));
  EXPECT_EQ(s.server->connections(), 1u);
  EXPECT_TRUE(server_tls_ok(*s.trace));
  EXPECT_FALSE(s.events_named("client_info").empty());
}

// b. 150 ms each way: every round trip of the connection sequence costs 300 ms more. The X.224
// exchange is exactly one round trip; the whole sequence has at least three more (TLS, MCS
// Connect, Attach User, each channel join, licensing, finalization), so 900 ms is a safe floor.
TEST(Proxy, LatencySlowsEveryRoundTrip) {
  test::RunningServer s;
  auto req = s.request();
  TestProxy plain(s.server->port());
  req.port = plain.port();
  const auto base = client::run_driver(req);
  ASSERT_EQ(base.outcome, Outcome::connected) << client::describe(base);

  TestProxy slow(s.server->port(), {"latency:direction=both,latency_ms=150"});
  req.port = slow.port();
  const auto r = client::run_driver(req);
  ASSERT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_GE(r.elapsed_ms - base.elapsed_ms, 900.0) << "without: " << base.elapsed_ms << " ms, with: " << r.elapsed_ms
                                                   << " ms\n" << client::describe(r);
  EXPECT_GE(phase_ms(r, Phase::connection_initiation), 295.0) << client::describe(r);
  EXPECT_LT(phase_ms(base, Phase::connection_initiation), 150.0) << client::describe(base);

  ASSERT_TRUE(slow.wait_closed(5s)) << slow.dump();
  EXPECT_EQ(slow.phases(), (std::vector<std::string>{"security_upgrade", kPastTls}));
  EXPECT_TRUE(slow.named("fault").empty()) << "latency only delays: " << slow.dump();
  const auto link = slow.one("link");
  EXPECT_GE(link["held_ms"].get<std::int64_t>(), 900) << link.dump();
  for (const char* dir : {"to_client", "to_server"}) {
    EXPECT_EQ(link[dir]["read"], link[dir]["written"]) << dir;
    ASSERT_EQ(link[dir]["faults"].size(), 1u) << link.dump();
    EXPECT_GT(link[dir]["faults"][0]["segments"].get<std::uint64_t>(), 3u) << link.dump();
  }
}

// c. The client's ClientHello never reaches the server: the proxy resets both sides at the
// first to_server byte of the TLS handshake.
TEST(Proxy, ResetDuringTheTlsHandshake) {
  test::RunningServer s;
  TestProxy p(s.server->port(), {"reset:direction=to_server,during=security_upgrade"});
  auto req = s.request();
  req.port = p.port();
  const auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::security_upgrade) << client::describe(r);
  // FreeRDP 2.11 reports the RST in its TLS handshake as ERRCONNECT_TLS_CONNECT_FAILED.
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_TLS_CONNECT_FAILED") << client::describe(r);

  ASSERT_TRUE(p.wait_closed(5s)) << p.dump();
  const auto fault = p.one("fault");
  EXPECT_EQ(fault["kind"], "reset");
  EXPECT_EQ(fault["direction"], "to_server");
  EXPECT_EQ(fault["after_bytes"], 0);
  const auto link = p.one("link");
  EXPECT_EQ(link["by"], "network");
  EXPECT_EQ(link["rst"], true);
  EXPECT_EQ(link["to_server"]["written"], link["to_server"]["read"].get<std::uint64_t>() -
                                               link["to_server"]["faults"][0]["dropped_bytes"].get<std::uint64_t>())
      << link.dump();
  const auto closed = p.one("closed");
  EXPECT_EQ(closed["by"], "network");
  EXPECT_EQ(closed["phase"], "security_upgrade");
  EXPECT_NE(closed["reason"].get<std::string>().find("reset"), std::string::npos) << closed.dump();

  // The server got the Connection Request, answered it, and then lost the connection: no
  // handshake ever completed there.
  ASSERT_TRUE(s.wait_for_event("closed", 1, 5s));
  EXPECT_FALSE(s.events_named("negotiation").empty());
  EXPECT_FALSE(server_tls_ok(*s.trace)) << s.events_named("tls").size();
  EXPECT_TRUE(s.events_named("client_info").empty());
}

// d. The server's first 40 bytes of the handshake arrive, then nothing: FreeRDP has no
// timeout of its own there, so the driver's deadline ends the run in security_upgrade.
TEST(Proxy, StallDuringTheTlsHandshakeTimesOut) {
  test::RunningServer s;
  TestProxy p(s.server->port(), {"stall:direction=to_client,during=security_upgrade,after_bytes=40"});
  auto req = s.request();
  req.port = p.port();
  req.timeout_ms = 2500;
  const auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::timed_out) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::security_upgrade) << client::describe(r);
  EXPECT_GE(r.elapsed_ms, 2400.0) << client::describe(r);

  const auto fault = p.one("fault");
  EXPECT_EQ(fault["kind"], "stall");
  EXPECT_EQ(fault["direction"], "to_client");
  EXPECT_EQ(fault["after_bytes"], 40);
  EXPECT_EQ(fault["phase"], "security_upgrade");
  // The tracker never saw the handshake end: the client's Finished was never sent.
  EXPECT_EQ(p.phases(), (std::vector<std::string>{"security_upgrade"}));
  EXPECT_FALSE(server_tls_ok(*s.trace));
}

// f. Nothing listens upstream (a bound, non-listening socket answers with RST): the proxy
// closes the client's connection and says why.
TEST(Proxy, ReportsAnUnreachableUpstream) {
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::uint16_t closed_port = ntohs(a.sin_port);

  TestProxy p(closed_port);
  ConnectRequest req;
  req.port = p.port();
  req.security = {SecurityProtocol::tls};
  req.cert_policy = CertPolicy::accept_any;
  req.username = "tester";
  req.timeout_ms = 10000;
  const auto r = client::run_driver(req);
  ::close(holder);
  // FreeRDP 2.11: ERRCONNECT_CONNECT_TRANSPORT_FAILED, after trying a second connection.
  EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::connection_initiation) << client::describe(r);
  ASSERT_GE(r.tcp_connections, 1) << client::describe(r);
  EXPECT_EQ(p.proxy->connections(), static_cast<std::uint64_t>(r.tcp_connections));

  for (std::uint64_t conn = 1; conn <= p.proxy->connections(); ++conn) {
    ASSERT_TRUE(p.wait_closed(5s, conn)) << p.dump();
    EXPECT_EQ(p.event_names(conn), (std::vector<std::string>{"accepted", "closed"})) << p.dump();
    const auto closed = p.one("closed", conn);
    EXPECT_EQ(closed["by"], "proxy");
    EXPECT_EQ(closed["phase"], "tcp_connect");
    const auto reason = closed["reason"].get<std::string>();
    EXPECT_NE(reason.find("upstream 127.0.0.1:" + std::to_string(closed_port)), std::string::npos) << reason;
    EXPECT_NE(reason.find("refused"), std::string::npos) << reason;
  }
}

// e. xrdp behind the proxy. FreeRDP asks for ssl|hybrid; xrdp 0.9.21 has no CredSSP and
// selects ssl (its log: "configured [SSL|RDP], requested [SSL|HYBRID|RDP], selected [SSL]").
TEST(ProxyXrdp, DriverReachesTheActiveSessionWithAndWithoutLatency) {
  REQUIRE_XRDP();
  test::XrdpServer x;
  TestProxy plain(x.port());
  const auto base = client::run_driver(xrdp_request(x, plain.port()));
  expect_reached_xrdp_active(base);

  ASSERT_TRUE(plain.wait_closed(5s)) << plain.dump();
  const auto x224 = plain.one("x224_request");
  EXPECT_EQ(x224["requested"], "ssl|hybrid");
  const auto neg = plain.one("negotiation");
  EXPECT_EQ(neg["result"], "selected");
  EXPECT_EQ(neg["selected"], "ssl");
  EXPECT_EQ(plain.phases(), (std::vector<std::string>{"security_upgrade", kPastTls}));
  // Everything the client sent reached xrdp, and xrdp's updates reached the client.
  const auto link = plain.one("link");
  EXPECT_EQ(link["to_server"]["read"], link["to_server"]["written"]) << link.dump();
  EXPECT_GT(link["to_client"]["read"].get<std::uint64_t>(), 1000u) << link.dump();
  const auto log = x.log();
  EXPECT_NE(log.find("selected [SSL]"), std::string::npos) << log;
  EXPECT_NE(log.find("TLS connection established"), std::string::npos) << log;

  TestProxy slow(x.port(), {"latency:direction=both,latency_ms=150"});
  const auto r = client::run_driver(xrdp_request(x, slow.port()));
  expect_reached_xrdp_active(r);
  EXPECT_GE(r.elapsed_ms - base.elapsed_ms, 900.0) << "without: " << base.elapsed_ms << " ms, with: " << r.elapsed_ms
                                                   << " ms\n" << client::describe(r);
  EXPECT_GE(phase_ms(r, Phase::connection_initiation), 295.0) << client::describe(r);
  ASSERT_TRUE(slow.wait_closed(5s)) << slow.dump();
  EXPECT_EQ(slow.phases(), (std::vector<std::string>{"security_upgrade", kPastTls}));
  EXPECT_TRUE(x.running()) << x.log();
}

// The same through xfreerdp, which stays connected at xrdp's login screen: it logs FreeRDP's
// own transition to CONNECTION_STATE_ACTIVE (through 150 ms each way).
TEST(ProxyXrdp, XfreerdpConnectsThroughLatency) {
  REQUIRE_XRDP();
  ASSERT_TRUE(test::have_program("xfreerdp") && test::have_program("xvfb-run") && test::have_program("stdbuf"));
  test::XrdpServer x;
  TestProxy slow(x.port(), {"latency:direction=both,latency_ms=150"});
  const std::string log = x.dir() + "/xfreerdp.log";
  // stdbuf: WLog writes to a pipe through stdio, which would hold the lines back.
  test::ChildProcess p({"xvfb-run", "-a", "stdbuf", "-oL", "xfreerdp", "/v:127.0.0.1:" + std::to_string(slow.port()),
                        "/u:tester", "/sec:tls", "/cert:ignore", "/size:800x600", "-clipboard",  // No /p: see xrdp_request.
                        "/log-filters:com.freerdp.core.connection:DEBUG"},
                       log, /*capture_stdout=*/true);
  ASSERT_TRUE(p.started());
  std::string seen;
  bool active = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!active && std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto line = p.read_line(left);
    if (!line) break;
    seen += *line + "\n";
    active = line->find("--> CONNECTION_STATE_ACTIVE") != std::string::npos;
  }
  EXPECT_TRUE(active) << seen << file_text(log);
  EXPECT_TRUE(p.wait_for(0ms) == std::nullopt) << "xfreerdp exited at the login screen";
  p.kill_and_reap();

  ASSERT_TRUE(slow.wait_closed(5s)) << slow.dump();
  EXPECT_EQ(slow.one("x224_request")["requested"], "ssl");
  EXPECT_EQ(slow.one("negotiation")["selected"], "ssl");
  EXPECT_EQ(slow.phases(), (std::vector<std::string>{"security_upgrade", kPastTls}));
  EXPECT_GE(slow.one("link")["held_ms"].get<std::int64_t>(), 900);
}

TEST(ProxyXrdp, ResetDuringTheTlsHandshake) {
  REQUIRE_XRDP();
  test::XrdpServer x;
  TestProxy p(x.port(), {"reset:direction=to_server,during=security_upgrade"});
  const auto r = client::run_driver(xrdp_request(x, p.port()));
  EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::security_upgrade) << client::describe(r);
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_TLS_CONNECT_FAILED") << client::describe(r);

  ASSERT_TRUE(p.wait_closed(5s)) << p.dump();
  EXPECT_EQ(p.one("negotiation")["selected"], "ssl");
  EXPECT_EQ(p.one("fault")["kind"], "reset");
  EXPECT_EQ(p.one("closed")["by"], "network");
  EXPECT_EQ(p.one("link")["rst"], true);
  // xrdp answered the Connection Request (it logs that before the handshake) and never
  // completed a handshake.
  const auto log = x.log();
  EXPECT_NE(log.find("selected [SSL]"), std::string::npos) << log;
  EXPECT_EQ(log.find("TLS connection established"), std::string::npos) << log;
  EXPECT_TRUE(x.running()) << log;
}

// Regression tests for two bugs found in the link, described with each (both fixed).

// Link::linger_guard's timer was not cancelled when the link finished: once one side's FIN
// has been passed on and the guard has looked (it looks every second), `closed` waits for
// the guard's full 30 s linger, and Proxy::stop() waits its 5 s bound and then abandons the
// connection without a `closed` event. The server's FIN held 1.5 s makes that certain.
TEST(Proxy, ClosedFollowsTheLinkAtOnce) {
  test::RunningServer s;
  TestProxy p(s.server->port(), {"slow_close:direction=to_client,delay_ms=1500"});
  auto req = s.request();
  req.port = p.port();
  const auto r = client::run_driver(req);
  ASSERT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  ASSERT_TRUE(p.trace->wait_until(
      [](const auto& ev) {
        for (const auto& e : ev) {
          if (e.event == "link") return true;
        }
        return false;
      },
      10s))
      << p.dump();
  EXPECT_TRUE(p.wait_closed(2s)) << "the link ended but the connection is not closed:\n" << p.dump();
  const auto t0 = std::chrono::steady_clock::now();
  p.proxy->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "Proxy::stop() waited out its bound";
  EXPECT_EQ(p.named("closed").size(), 1u) << p.dump();
}

// Link::reader asks the tracker for the phases of a whole chunk before feeding its pieces to
// the chain, and report_notes() used to stamp a fault with the tracker's phase *after* the chunk:
// a fault scoped to connection_initiation that drops the Connection Confirm is reported as
// acting in security_upgrade (the phase the Confirm would have led to).
TEST(Proxy, FaultEventNamesThePhaseItActedIn) {
  test::RunningServer s;
  TestProxy p(s.server->port(), {"close:direction=to_client,during=connection_initiation"});
  auto req = s.request();
  req.port = p.port();
  const auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::connection_initiation) << client::describe(r);
  ASSERT_TRUE(p.wait_closed(5s)) << p.dump();
  const auto fault = p.one("fault");
  EXPECT_EQ(fault["kind"], "close");
  EXPECT_EQ(fault["phase"], "connection_initiation") << fault.dump();
}

}  // namespace
}  // namespace rdpfault
