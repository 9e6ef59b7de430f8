// close: FIN at a server point, or on the stream after N bytes / N ms (a cut).
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(CloseFault, AtAServerPduEndsWithAFinBeforeThatPdu) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"close:phase=basic_settings_exchange"}));
  EXPECT_TRUE(s.has("fire 0 close"));
  EXPECT_EQ(s.lines.back(), "close");
  EXPECT_TRUE(s.with("emit mcs connect-response").empty()) << "the Connect-Response must not be sent";
  EXPECT_FALSE(s.has("AFTER END"));
}

TEST(CloseFault, InTheActiveSessionAfterItsTime) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"close:phase=active,after_ms=800"}));
  ASSERT_GE(s.lines.size(), 3u);
  EXPECT_EQ(s.lines[s.lines.size() - 3], "at 800 ms");
  EXPECT_EQ(s.lines.back(), "close");
}

TEST(CloseFault, OnTheStreamPassesNBytesThenClosesBothSides) {
  Chain c({"close:direction=to_client,after_bytes=100"});
  auto out = c.feed(seg(0, 60));
  EXPECT_EQ(bytes(out), 60u);
  EXPECT_FALSE(c.chain.verdict());
  out = c.feed(seg(5, 60));
  EXPECT_EQ(bytes(out), 40u) << "the first 100 bytes pass, not one more";
  ASSERT_TRUE(c.chain.verdict());
  EXPECT_FALSE(c.chain.verdict()->rst);
  EXPECT_EQ(ms_of(c.chain.verdict()->at), 5);
  EXPECT_TRUE(c.feed(seg(6, 10)).empty()) << "nothing after the cut";
}

TEST(CloseFault, OnTheStreamAfterATimeFromWhenItsScopeBegan) {
  Chain c({"close:direction=to_server,from=active,after_ms=300"}, Direction::to_server);
  c.chain.phase_changed(PhaseRange::exactly(Phase::licensing), at_ms(0));
  EXPECT_EQ(c.chain.next_timer(), TimePoint::max()) << "the scope has not begun";
  c.chain.phase_changed(PhaseRange::exactly(Phase::active), at_ms(1000));
  EXPECT_EQ(ms_of(c.chain.next_timer()), 1300);
  c.chain.tick(at_ms(1300), PhaseRange::exactly(Phase::active));
  ASSERT_TRUE(c.chain.verdict());
  EXPECT_EQ(ms_of(c.chain.verdict()->at), 1300);
}

TEST(CloseFault, KeysThatDoNotApplyAreErrors) {
  EXPECT_FALSE(faults::parse_fault_spec("close:phase=licensing,after_bytes=5").fault);
  EXPECT_FALSE(faults::parse_fault_spec("close:direction=both,after_bytes=5,after_ms=5").fault);
  EXPECT_FALSE(faults::parse_fault_spec("close:phase=tcp_connect").fault);
}

}  // namespace
}  // namespace rdpfault::faults::test
