// slicer: chunks cut into small segments, delay_us apart.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(SlicerFault, OneByteSegments) {
  Chain c({"slicer:direction=to_client,size=1,delay_us=100"});
  auto out = c.feed(seg(0, 50));
  ASSERT_EQ(out.size(), 50u);
  for (const auto& s : out) EXPECT_EQ(s.bytes.size(), 1u);
  EXPECT_NEAR(ms_of(out.back().at), 4.9, 1e-6) << "49 gaps of 100 µs";
  // The next chunk never overtakes the last segment.
  auto next = c.feed(seg(1, 3));
  EXPECT_GE(next.front().at, out.back().at);
}

TEST(SlicerFault, SizesVaryFromTheSeedAndKeepEveryByte) {
  Chain a({"slicer:direction=to_server,size=8,size_variation=6"}, Direction::to_server, 9);
  Chain b({"slicer:direction=to_server,size=8,size_variation=6"}, Direction::to_server, 9);
  std::vector<std::uint8_t> in(1000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i);
  auto oa = a.feed(Segment{at_ms(0), in});
  auto ob = b.feed(Segment{at_ms(0), in});
  ASSERT_EQ(oa.size(), ob.size());
  std::vector<std::uint8_t> joined;
  for (std::size_t i = 0; i < oa.size(); ++i) {
    EXPECT_EQ(oa[i].bytes.size(), ob[i].bytes.size());
    EXPECT_GE(oa[i].bytes.size(), 2u);
    EXPECT_LE(oa[i].bytes.size(), 14u);
    joined.insert(joined.end(), oa[i].bytes.begin(), oa[i].bytes.end());
  }
  EXPECT_EQ(joined, in);
}

}  // namespace
}  // namespace rdpfault::faults::test
