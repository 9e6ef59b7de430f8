// The FreeRDP 2.11 driver against the fake server over loopback: the healthy path, many at
// once, and the three places FreeRDP itself would wait forever.
#include <future>

#include <gtest/gtest.h>

#include "../support/fault_script.hpp"
#include "../support/server_fixture.hpp"

namespace rdpfault {
namespace {

using test::RunningServer;

std::vector<std::string> phases_entered(const fakeserver::MemoryTrace& trace, std::uint64_t conn) {
  std::vector<std::string> out;
  for (const auto& e : trace.events_for(conn)) {
    if (e.event == "phase") out.push_back(e.data["phase"]);
  }
  return out;
}

TEST(Session, FreerdpReachesTheActiveSession) {
  RunningServer s;
  auto r = client::run_driver(s.request());
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::active);
  EXPECT_EQ(r.freerdp_error, 0u);
  EXPECT_EQ(r.tcp_connections, 1);
  EXPECT_TRUE(r.painted) << "the server's bitmap update should reach the client";
  EXPECT_EQ(r.cert_reason, CertReason::none);

  ASSERT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
  auto phases = phases_entered(*s.trace, 1);
  ASSERT_FALSE(phases.empty());
  EXPECT_EQ(phases.back(), "active");
  auto tls = s.events_named("tls");
  ASSERT_EQ(tls.size(), 1u);
  EXPECT_NE(tls[0].find("\"result\":\"ok\""), std::string::npos) << tls[0];
  auto closed = s.events_named("closed");
  EXPECT_NE(closed[0].find("\"by\":\"client\""), std::string::npos) << closed[0];
  auto info = s.events_named("client_info");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_NE(info[0].find("tester"), std::string::npos);
}

TEST(Session, StandardRdpSecurityWithoutTls) {
  RunningServer s;
  auto req = s.request();
  req.security = {SecurityProtocol::rdp};
  auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
  EXPECT_TRUE(s.events_named("tls").empty());
}

TEST(Session, HostMapResolvesANameWithoutTouchingTheSystem) {
  RunningServer s;
  auto req = s.request();
  req.host = "rdp.invalid";  // RFC 2606: never resolves.
  req.cert_name = "localhost";
  auto unmapped = client::run_driver(req);
  EXPECT_EQ(unmapped.outcome, Outcome::failed) << client::describe(unmapped);
  EXPECT_EQ(unmapped.tcp_connections, 0) << client::describe(unmapped);
  req.host_map = {{"rdp.invalid", "127.0.0.1"}};
  auto mapped = client::run_driver(req);
  EXPECT_EQ(mapped.outcome, Outcome::connected) << client::describe(mapped);
}

TEST(Session, FiftyParallelConnectionsAllReachTheActiveSession) {
  RunningServer s;
  constexpr int kClients = 50;
  EXPECT_EQ(test::connect_in_parallel(s.request(), kClients), kClients);
  EXPECT_EQ(s.server->connections(), static_cast<std::uint64_t>(kClients));
}

struct StallCase {
  const char* name;
  const char* fault;  ///< A --fault spec.
  Phase expected_phase;
  std::string expected_fault;  ///< Text of the trace's `fault` event.
};

void PrintTo(const StallCase& c, std::ostream* os) { *os << c.name; }

class DriverDeadline : public ::testing::TestWithParam<StallCase> {};

TEST_P(DriverDeadline, ReturnsTimedOutInThePhaseItHung) {
  fakeserver::ServerConfig cfg;
  cfg.faults = test::parse_specs({GetParam().fault});
  RunningServer s(cfg);
  auto req = s.request();
  req.timeout_ms = 2000;
  const auto start = std::chrono::steady_clock::now();
  auto r = client::run_driver(req);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.outcome, Outcome::timed_out) << client::describe(r);
  EXPECT_EQ(r.phase_reached, GetParam().expected_phase) << client::describe(r);
  EXPECT_EQ(r.tcp_connections, 1);
  EXPECT_LT(took, std::chrono::milliseconds(req.timeout_ms + 3000));
  EXPECT_GE(took, std::chrono::milliseconds(req.timeout_ms - 100));
  auto fired = s.events_named("fault");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find(GetParam().expected_fault), std::string::npos) << fired[0];
  // The server sees the client leave once the driver cancels.
  EXPECT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
}

INSTANTIATE_TEST_SUITE_P(
    Stalls, DriverDeadline,
    ::testing::Values(StallCase{"silent_after_accept", "stall:phase=connection_initiation", Phase::connection_initiation,
                                "\"kind\":\"stall\""},
                      StallCase{"answers_x224_then_stalls", "stall:phase=security_upgrade", Phase::security_upgrade,
                                "\"phase\":\"security_upgrade\""},
                      StallCase{"stalls_mid_tls_handshake", "stall:direction=to_client,during=security_upgrade,after_bytes=40",
                                Phase::security_upgrade, "stopped delivering after 40 bytes"}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace rdpfault
