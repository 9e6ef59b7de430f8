// mtu_blackhole: packets above the path MTU are lost, and everything after them.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(MtuBlackholeFault, SmallPacketsPassTheLargeFlightIsLostAndAllAfterIt) {
  Chain c({"mtu_blackhole:direction=to_client,mtu=1000"});
  EXPECT_EQ(bytes(c.feed(seg(0, 19))), 19u) << "the X.224 Confirm";
  EXPECT_EQ(bytes(c.feed(seg(1, 960))), 960u) << "a 1,000-byte packet fits";
  EXPECT_EQ(bytes(c.feed(seg(2, 1400))), 0u) << "a 1,440-byte packet is lost";
  EXPECT_EQ(bytes(c.feed(seg(3, 10))), 0u) << "TCP delivers in order: nothing gets through after the loss";
  auto notes = c.chain.take_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].note.data["packet"], 1440);
}

TEST(MtuBlackholeFault, TheSenderSegmentsAtItsMss) {
  // 3,000 bytes at once: segments of 1,460 (the default MSS) are 1,500-byte packets.
  Chain lost({"mtu_blackhole:direction=to_client,mtu=1400"});
  auto out = lost.feed(seg(0, 3000));
  EXPECT_EQ(bytes(out), 0u);
  // The fix: the MSS clamped to mtu - 40 makes every packet fit.
  Chain clamped({"mtu_blackhole:direction=to_client,mtu=1400,mss=1360"});
  out = clamped.feed(seg(0, 3000));
  EXPECT_EQ(bytes(out), 3000u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].bytes.size(), 1360u);
}

}  // namespace
}  // namespace rdpfault::faults::test
