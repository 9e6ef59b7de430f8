// Faults end to end, with the real FreeRDP 2.11 client: several per phase and per
// connection, each once and in order, scoped to connections; the trace shows when a delayed
// PDU really leaves; deliberate waits count only what really happened.
#include <gtest/gtest.h>

#include "../support/fault_script.hpp"
#include "../support/server_fixture.hpp"
#include "rdpfault/harness/runner.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;

harness::RunnerOptions options() {
  harness::RunnerOptions o;
  o.driver_path = RDPFAULT_DRIVER_PATH;
  return o;
}

scenario::Scenario parse(const std::string& body) {
  const std::string text = R"(schema = 1
name = "inline"
summary = "An inline scenario"
cause = "A test"
phase = "active"
)" + body;
  auto r = scenario::parse_scenario(text, "inline.toml");
  if (!r.scenario) {
    std::string all;
    for (const auto& d : r.diagnostics) all += d.to_string() + "\n";
    throw std::runtime_error(all);
  }
  return *r.scenario;
}

std::vector<fakeserver::TraceEvent> named(const std::vector<fakeserver::TraceEvent>& trace, const std::string& event) {
  std::vector<fakeserver::TraceEvent> out;
  for (const auto& e : trace) {
    if (e.event == event) out.push_back(e);
  }
  return out;
}

// The case that used to fail: only the first listed fault of a session phase was looked at,
// so the one due first (0xC at 1 s, listed second) never fired.
TEST(Faults, TwoInTheActiveSessionFireByTimeWithFreeRdp) {
  const auto s = parse(R"(
[server]
[[server.faults]]
kind = "error_info"
phase = "active"
after_ms = 6000
error_info = 0x3
[[server.faults]]
kind = "error_info"
phase = "active"
after_ms = 1000
error_info = 0xC

[client]
stay_ms = 3000

[expect]
outcome = "disconnected"
freerdp_error = "ERRINFO_LOGOFF_BY_USER"
error_info = 0xC

[fix]
description = "None"
[fix.server]
faults = []
)");
  const auto out = harness::run_scenario(s, options());
  EXPECT_TRUE(out.broken.passed()) << out.broken.result.detail << " error_info "
                                   << out.broken.result.server_error_info.value_or(0);
  const auto fired = named(out.broken.trace, "fault");
  ASSERT_EQ(fired.size(), 1u) << "the 6 s fault must not fire: the session ended at 1 s";
  EXPECT_EQ(fired[0].data["fault"], 1);
  EXPECT_EQ(fired[0].data["error_info"], 0xC);
  EXPECT_GE(fired[0].t_us, 0);
  // Its deliberate wait is the 1 s the session was held, not 6 + 1.
  EXPECT_GE(out.broken.deliberate_wait_ms, 900);
  EXPECT_LT(out.broken.deliberate_wait_ms, 3000);
}

TEST(Faults, SeveralPerPhaseAndPerConnectionEachOnceInOrder) {
  fakeserver::ServerConfig cfg;
  cfg.faults = test::parse_specs({"delay:phase=licensing,delay_ms=300", "delay:phase=channel_connection,delay_ms=200",
                                  "delay:phase=licensing,delay_ms=100"});
  test::RunningServer s(cfg);
  const auto r = client::run_driver(s.request());
  ASSERT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  const auto fired = named(s.trace->events(), "fault");
  ASSERT_EQ(fired.size(), 3u) << "once each, not once per channel join";
  EXPECT_EQ(fired[0].data["fault"], 1) << "channel_connection comes first";
  EXPECT_EQ(fired[1].data["fault"], 0);
  EXPECT_EQ(fired[2].data["fault"], 2) << "in file order within licensing";
  // The two licensing delays follow each other before the licensing PDU.
  EXPECT_GE(fired[2].t_us - fired[1].t_us, 290'000);
}

TEST(Faults, ADelayedPduIsTracedWhenItLeaves) {
  fakeserver::ServerConfig cfg;
  cfg.faults = test::parse_specs({"delay:phase=connection_initiation,delay_ms=700"});
  test::RunningServer s(cfg);
  const auto r = client::run_driver(s.request());
  ASSERT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  const auto ev = s.trace->events_for(1);
  std::int64_t fault_at = -1, confirm_at = -1;
  for (const auto& e : ev) {
    if (e.event == "fault" && fault_at < 0) fault_at = e.t_us;
    if (e.event == "pdu_out" && e.data["pdu"] == "x224 connection confirm") confirm_at = e.t_us;
  }
  ASSERT_GE(fault_at, 0);
  ASSERT_GE(confirm_at, 0);
  EXPECT_GE(confirm_at - fault_at, 690'000) << "the Confirm leaves after the delay, and the trace says so";
  // The held time is in the connection's `closed` event.
  ASSERT_TRUE(s.wait_for_event("closed", 1, 5s));
  const auto closed = named(s.trace->events(), "closed");
  EXPECT_GE(closed[0].data["held_ms"].get<int>(), 690);
}

TEST(Faults, ScopedToTheFirstConnectionFreeRdpsReconnectGetsThrough) {
  fakeserver::ServerConfig cfg;
  cfg.faults = test::parse_specs({"close:phase=licensing,connections=1"});
  test::RunningServer s(cfg);
  const auto r = client::run_driver(s.request());
  // FreeRDP reconnects once on a transport failure; the second connection is spared.
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_EQ(r.tcp_connections, 2) << client::describe(r);
  EXPECT_EQ(named(s.trace->events(), "fault").size(), 1u);
}

TEST(Faults, DeliberateWaitsCountOnlyWhatHappened) {
  // nla-slow-credssp: the broken run waits out FreeRDP's activation timeout; the fix turns NLA
  // off, so its 10 s CredSSP delay never fires and the fixed run waits nothing.
  const auto catalog = scenario::load_catalog(RDPFAULT_SOURCE_CATALOG);
  const scenario::Scenario* slow = nullptr;
  for (const auto& sc : catalog.scenarios) {
    if (sc.name == "nla-slow-credssp") slow = &sc;
  }
  ASSERT_NE(slow, nullptr);
  const auto out = harness::run_scenario(*slow, options());
  ASSERT_TRUE(out.passed());
  EXPECT_EQ(out.fixed.deliberate_wait_ms, 0);
  // The server held its delay until the client gave up (FreeRDP's 9 s) and the run ended.
  EXPECT_GE(out.broken.deliberate_wait_ms, slow->client.activation_timeout_ms);
  EXPECT_LT(out.broken.deliberate_wait_ms, slow->client.activation_timeout_ms + 800);
  EXPECT_TRUE(named(out.fixed.trace, "fault").empty());
}

// The same catalog entry works whether its network conditions sit in the server or on the
// path: the scenarios that put them in a proxy pass with them in the server too.
TEST(Faults, NetworkScenariosPassWithTheFaultsInTheServerOrInAProxy) {
  const auto catalog = scenario::load_catalog(RDPFAULT_SOURCE_CATALOG);
  int checked = 0;
  for (const char* name : {"net-reset-at-tls", "net-sliced-one-byte", "net-mtu-blackhole"}) {
    const scenario::Scenario* found = nullptr;
    for (const auto& sc : catalog.scenarios) {
      if (sc.name == name) found = &sc;
    }
    ASSERT_NE(found, nullptr) << name;
    ASSERT_EQ(found->server.network_at, scenario::ServerSpec::NetworkAt::proxy) << name;
    auto in_server = *found;
    in_server.server.network_at = in_server.fixed_server.network_at = scenario::ServerSpec::NetworkAt::server;
    for (const auto* s : {found, static_cast<const scenario::Scenario*>(&in_server)}) {
      const auto out = harness::run_scenario(*s, options());
      EXPECT_TRUE(out.passed()) << name << (s == found ? " through a proxy: " : " in the server: ")
                                << out.broken.result.detail << " / " << out.fixed.result.detail;
      // Where the faults sat shows in the trace: the proxy's events are labelled.
      bool proxy_events = false;
      for (const auto& e : out.broken.trace) proxy_events |= e.data.value("server", std::string()) == "proxy";
      EXPECT_EQ(proxy_events, s == found) << name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace rdpfault
