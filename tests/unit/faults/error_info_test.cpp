// error_info: Set Error Info + Disconnect Provider Ultimatum, then close.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(ErrorInfoFault, InLicensingInsteadOfTheLicense) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"error_info:phase=licensing,error_info=0x7"}));
  const std::vector<std::string> tail = {"enter licensing", "fire 0 error_info",
                                         "emit set error info + disconnect provider ultimatum", "close"};
  ASSERT_GE(s.lines.size(), tail.size());
  EXPECT_EQ(std::vector<std::string>(s.lines.end() - 4, s.lines.end()), tail);
}

TEST(ErrorInfoFault, PduBytesCarryTheCode) {
  const auto fs = rdpfault::test::parse_specs({"error_info:phase=active,after_ms=10,error_info=0x3"});
  faults::ConnectionFaults cf(fs, 1);
  acceptor::NullSink sink;
  acceptor::Acceptor a(acceptor::AcceptorConfig{}, sink, &cf);
  const auto due = cf.active_schedule();
  ASSERT_EQ(due.size(), 1u);
  auto r = a.fire(due[0]);
  const acceptor::Emit* e = nullptr;
  for (const auto& st : r.steps) {
    if (const auto* m = std::get_if<acceptor::Emit>(&st)) e = m;
  }
  ASSERT_NE(e, nullptr);
  // ... Set Error Info PDU body: errorInfo (4 bytes little-endian) = 3, then the ultimatum (9 bytes).
  const auto& b = e->bytes;
  ASSERT_GT(b.size(), 13u);
  const std::size_t body = b.size() - 9 - 4;
  EXPECT_EQ(b[body], 0x03);
  EXPECT_EQ(b[body + 1], 0x00);
}

TEST(ErrorInfoFault, RidesOnMcsSoNotBeforeChannelConnection) {
  const auto r = faults::parse_fault_spec("error_info:phase=basic_settings_exchange,error_info=7");
  EXPECT_FALSE(r.fault);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].key, "phase");
  EXPECT_FALSE(faults::parse_fault_spec("error_info:phase=licensing").fault) << "the code is required";
}

}  // namespace
}  // namespace rdpfault::faults::test
