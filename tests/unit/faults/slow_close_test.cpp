// slow_close: a side's FIN passes on only after the delay; data is untouched.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(SlowCloseFault, HoldsTheFinNotTheData) {
  Chain c({"slow_close:direction=to_client,delay_ms=1500"});
  auto out = c.feed(seg(10, 100));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(ms_of(out[0].at), 10);
  EXPECT_DOUBLE_EQ(ms_of(c.chain.end(at_ms(20), PhaseRange::exactly(Phase::active))), 1520);
  EXPECT_EQ(c.chain.take_notes().size(), 1u);
}

TEST(SlowCloseFault, OtherDirectionIsUntouched) {
  Chain c({"slow_close:direction=to_client,delay_ms=1500"}, Direction::to_server);
  EXPECT_TRUE(c.chain.empty());
}

}  // namespace
}  // namespace rdpfault::faults::test
