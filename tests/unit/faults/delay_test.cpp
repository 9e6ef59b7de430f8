// delay: wait, then carry on; the delayed PDU is emitted after the wait.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(DelayFault, HoldsTheFirstPduOfItsPhaseThenCarriesOn) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"delay:phase=capabilities_exchange,delay_ms=2500"}));
  const auto& l = s.lines;
  auto wait = std::find(l.begin(), l.end(), "wait 2500");
  ASSERT_NE(wait, l.end());
  EXPECT_EQ(*(wait - 1), "fire 0 delay");
  EXPECT_EQ(*(wait + 1), "emit demand active") << "the Demand Active leaves after the wait";
  EXPECT_TRUE(s.has("enter active")) << "the connection carries on";
  EXPECT_FALSE(s.ended);
}

TEST(DelayFault, AtTheTlsHandshakeAndTheCredsspReply) {
  auto tls = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"delay:phase=security_upgrade,delay_ms=100"}));
  EXPECT_TRUE(tls.has("wait 100"));
  auto nla = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"delay:phase=credssp,delay_ms=200"}), 1, true);
  EXPECT_TRUE(nla.has("enter credssp"));
  EXPECT_TRUE(nla.has("wait 200"));
  EXPECT_TRUE(nla.has("enter active"));
}

TEST(DelayFault, NeedsItsDelayAndCannotActInTheActiveSession) {
  EXPECT_FALSE(faults::parse_fault_spec("delay:phase=licensing").fault);
  EXPECT_FALSE(faults::parse_fault_spec("delay:phase=licensing,delay_ms=0").fault);
  const auto r = faults::parse_fault_spec("delay:phase=active,after_ms=5,delay_ms=10");
  EXPECT_FALSE(r.fault);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems[0].message.find("cannot act in active"), std::string::npos) << r.problems[0].to_string();
}

}  // namespace
}  // namespace rdpfault::faults::test
