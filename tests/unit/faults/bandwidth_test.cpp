// bandwidth: bytes leave at the configured rate, in ~10 ms pieces.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(BandwidthFault, ARateOf8000BytesPerSecond) {
  Chain c({"bandwidth:direction=to_client,bytes_per_second=8000"});
  auto out = c.feed(seg(0, 16000));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(bytes(out), 16000u);
  EXPECT_LE(out.front().bytes.size(), 80u) << "pieces of about 10 ms";
  EXPECT_NEAR(ms_of(out.back().at), 2000, 0.001) << "16,000 bytes at 8,000 B/s take 2 s";
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_GE(out[i].at, out[i - 1].at);
}

TEST(BandwidthFault, TheRateHoldsOverManyOddChunks) {
  Chain c({"bandwidth:direction=to_server,bytes_per_second=3333"}, Direction::to_server);
  std::size_t total = 0;
  TimePoint last{};
  for (int i = 0; i < 500; ++i) {
    auto out = c.feed(seg(i, 7 + i % 13));
    total += bytes(out);
    last = out.back().at;
  }
  EXPECT_NEAR(ms_of(last), static_cast<double>(total) * 1000.0 / 3333, 0.01);
}

TEST(BandwidthFault, AnIdleLinkStartsFresh) {
  Chain c({"bandwidth:direction=to_client,bytes_per_second=1000"});
  EXPECT_NEAR(ms_of(c.feed(seg(0, 10)).back().at), 10, 1e-6);
  EXPECT_NEAR(ms_of(c.feed(seg(500, 10)).back().at), 510, 1e-6) << "no credit saved while idle";
}

}  // namespace
}  // namespace rdpfault::faults::test
