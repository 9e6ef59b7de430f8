// reset: RST at a server point, or on the stream after N bytes / N ms (a middlebox's kill).
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(ResetFault, BeforeTheTlsHandshake) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"reset:phase=security_upgrade"}));
  EXPECT_TRUE(s.has("emit x224 connection confirm")) << "the Confirm goes out first";
  EXPECT_TRUE(s.has("fire 0 reset"));
  EXPECT_EQ(s.lines.back(), "rst");
  EXPECT_TRUE(s.with("enter basic_settings_exchange").empty());
}

TEST(ResetFault, OnTheFirstByteOfTheClientHello) {
  // A middlebox that resets once TLS starts: scope security_upgrade, after 0 bytes to the server.
  Chain c({"reset:direction=to_server,during=security_upgrade"}, Direction::to_server);
  EXPECT_EQ(bytes(c.feed(seg(0, 19), Phase::connection_initiation)), 19u) << "the X.224 request passes";
  EXPECT_TRUE(c.feed(seg(3, 300), Phase::security_upgrade).empty());
  ASSERT_TRUE(c.chain.verdict());
  EXPECT_TRUE(c.chain.verdict()->rst);
  auto notes = c.chain.take_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].kind, "reset");
}

TEST(ResetFault, AfterMillisecondsEvenWithoutTraffic) {
  Chain c({"reset:direction=to_client,after_ms=50"});
  c.chain.phase_changed(PhaseRange::exactly(Phase::connection_initiation), at_ms(0));
  EXPECT_EQ(bytes(c.feed(seg(10, 5), Phase::connection_initiation)), 5u);
  EXPECT_EQ(ms_of(c.chain.next_timer()), 50);
  c.chain.tick(at_ms(50), PhaseRange::exactly(Phase::security_upgrade));
  ASSERT_TRUE(c.chain.verdict());
  EXPECT_TRUE(c.chain.verdict()->rst);
}

}  // namespace
}  // namespace rdpfault::faults::test
