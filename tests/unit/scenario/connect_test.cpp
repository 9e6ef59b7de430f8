#include "rdpfault/scenario/connect.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rdpfault {
namespace {

TEST(Phase, SpellingsRoundTrip) {
  for (Phase p : kAllPhases) {
    auto back = phase_from_string(to_string(p));
    ASSERT_TRUE(back.has_value()) << to_string(p);
    EXPECT_EQ(*back, p);
  }
  EXPECT_FALSE(phase_from_string("licencing").has_value());
  EXPECT_LT(ordinal(Phase::tcp_connect), ordinal(Phase::active));
}

TEST(ConnectRequest, PasswordOnlyWhenAsked) {
  ConnectRequest r;
  r.username = "alice";
  r.password = "s3cret";
  r.security = {SecurityProtocol::nla};
  EXPECT_FALSE(to_json(r, false).contains("password"));
  EXPECT_EQ(to_json(r, false).dump().find("s3cret"), std::string::npos);
  auto back = connect_request_from_json(to_json(r, true));
  EXPECT_EQ(back.password, "s3cret");
  EXPECT_EQ(back.username, "alice");
  ASSERT_EQ(back.security.size(), 1u);
  EXPECT_EQ(back.security[0], SecurityProtocol::nla);
}

TEST(ConnectRequest, UnknownEnumValueIsAnError) {
  auto j = to_json(ConnectRequest{}, false);
  j["cert_policy"] = "trust_everyone";
  EXPECT_THROW(connect_request_from_json(j), std::invalid_argument);
}

TEST(ConnectResult, RoundTrip) {
  ConnectResult r;
  r.outcome = Outcome::timed_out;
  r.phase_reached = Phase::security_upgrade;
  r.freerdp_error = 0x0002000B;
  r.freerdp_error_name = "ERRCONNECT_CONNECT_CANCELLED";
  r.server_error_info = 7;
  r.cert_reason = CertReason::expired;
  r.tcp_connections = 2;
  r.phases = {{Phase::tcp_connect, 1.5}, {Phase::connection_initiation, 2.0}};
  auto back = connect_result_from_json(to_json(r));
  EXPECT_EQ(back.outcome, Outcome::timed_out);
  EXPECT_EQ(back.phase_reached, Phase::security_upgrade);
  EXPECT_EQ(back.freerdp_error, 0x0002000Bu);
  EXPECT_EQ(back.server_error_info, 7u);
  EXPECT_EQ(back.cert_reason, CertReason::expired);
  EXPECT_EQ(back.tcp_connections, 2);
  ASSERT_EQ(back.phases.size(), 2u);
  EXPECT_EQ(back.phases[1].phase, Phase::connection_initiation);
}

}  // namespace
}  // namespace rdpfault
