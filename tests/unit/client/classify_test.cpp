#include "classify.hpp"

#include <gtest/gtest.h>

#include "rdpfault/client/driver.hpp"

namespace rdpfault::client {
namespace {

TEST(Classify, StatesMapToPhases) {
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_NLA"), Phase::credssp);
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_MCS_CONNECT"), Phase::basic_settings_exchange);
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_MCS_CHANNEL_JOIN"), Phase::channel_connection);
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_LICENSING"), Phase::licensing);
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_CAPABILITIES_EXCHANGE"), Phase::capabilities_exchange);
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_FINALIZATION"), Phase::finalization);
  EXPECT_EQ(phase_from_state_name("CONNECTION_STATE_ACTIVE"), Phase::active);
  EXPECT_FALSE(phase_from_state_name("CONNECTION_STATE_INITIAL"));  // the reset after a failure
  EXPECT_FALSE(phase_from_state_name("CONNECTION_STATE_NEGO"));
}

TEST(Classify, NegoLogLinesSplitTheNegoState) {
  EXPECT_EQ(phase_from_nego_log("RequestedProtocols: 3"), Phase::connection_initiation);
  EXPECT_EQ(phase_from_nego_log("nego_security_connect with PROTOCOL_SSL"), Phase::security_upgrade);
  EXPECT_EQ(phase_from_nego_log("nego_security_connect with PROTOCOL_HYBRID"), Phase::security_upgrade);
  EXPECT_FALSE(phase_from_nego_log("nego_security_connect with PROTOCOL_RDP"));
  EXPECT_FALSE(phase_from_nego_log("state: NEGO_STATE_TLS"));
}

TEST(Classify, VerifyFailures) {
  auto v = parse_verify_failure("Certificate verification failure 'certificate has expired (10)' at stack position 0");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->first, 10);
  EXPECT_EQ(v->second, "certificate has expired (10)");
  EXPECT_EQ(cert_reason_from_verify_code(v->first), CertReason::expired);
  EXPECT_EQ(cert_reason_from_verify_code(9), CertReason::not_yet_valid);
  EXPECT_EQ(cert_reason_from_verify_code(18), CertReason::self_signed);
  EXPECT_EQ(cert_reason_from_verify_code(20), CertReason::unknown_ca);
  EXPECT_EQ(cert_reason_from_verify_code(7), CertReason::other);
  EXPECT_FALSE(parse_verify_failure("something else entirely"));
  EXPECT_FALSE(parse_verify_failure("Certificate verification failure 'no code here' at"));
}

TEST(Describe, NamesTheFieldsThatMatter) {
  ConnectResult r;
  r.outcome = Outcome::failed;
  r.phase_reached = Phase::security_upgrade;
  r.freerdp_error = 0x00020008;
  r.freerdp_error_name = "ERRCONNECT_TLS_CONNECT_FAILED";
  r.cert_reason = CertReason::expired;
  r.cert_detail = "certificate has expired (10)";
  r.tcp_connections = 1;
  r.server_error_info = 7;
  r.server_error_info_name = "ERRINFO_SERVER_DENIED_CONNECTION";
  auto d = describe(r);
  for (const char* s : {"failed", "security_upgrade", "0x00020008", "ERRCONNECT_TLS_CONNECT_FAILED", "expired",
                        "certificate has expired (10)", "ERRINFO_SERVER_DENIED_CONNECTION", "tcp connections: 1"}) {
    EXPECT_NE(d.find(s), std::string::npos) << s << " missing from:\n" << d;
  }
}

}  // namespace
}  // namespace rdpfault::client
