// stall: the server goes silent at a point, or the path stops delivering a direction.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(StallFault, TheServerNeverAnswersTheConnectionRequest) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"stall:phase=connection_initiation"}));
  EXPECT_EQ(s.lines, (std::vector<std::string>{"enter connection_initiation", "fire 0 stall", "stall"}));
}

TEST(StallFault, TheHandshakeCutAfter40Bytes) {
  Chain c({"stall:direction=to_client,during=security_upgrade,after_bytes=40"});
  EXPECT_EQ(bytes(c.feed(seg(0, 19), Phase::connection_initiation)), 19u) << "outside the scope";
  EXPECT_EQ(bytes(c.feed(seg(1, 1000), Phase::security_upgrade)), 40u);
  EXPECT_TRUE(c.feed(seg(2, 500), Phase::security_upgrade).empty());
  EXPECT_FALSE(c.chain.verdict()) << "a stall keeps the connection open";
  const auto sum = c.chain.summary();
  EXPECT_EQ(sum[0]["dropped_bytes"], 1460);
  EXPECT_EQ(sum[0]["passed_bytes"], 40);
}

}  // namespace
}  // namespace rdpfault::faults::test
