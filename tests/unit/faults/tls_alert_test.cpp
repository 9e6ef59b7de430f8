// tls_alert: a fatal TLS alert instead of the CredSSP answer.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(TlsAlertFault, AtTheCredsspReply) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"tls_alert:phase=credssp"}), 1, true);
  const std::vector<std::string> tail = {"fire 0 tls_alert", "alert 80", "close"};
  ASSERT_GE(s.lines.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(s.lines.end() - 3, s.lines.end()), tail);
  auto other = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"tls_alert:phase=credssp,description=40"}), 1, true);
  EXPECT_TRUE(other.has("alert 40"));
}

TEST(TlsAlertFault, OnlyAtTheCredsspReply) {
  EXPECT_FALSE(faults::parse_fault_spec("tls_alert:phase=licensing").fault);
  EXPECT_FALSE(faults::parse_fault_spec("tls_alert:phase=credssp,description=300").fault);
}

}  // namespace
}  // namespace rdpfault::faults::test
