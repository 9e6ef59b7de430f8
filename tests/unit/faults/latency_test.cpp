// latency: every chunk delivered latency_ms (± jitter, seeded) later, in order.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(LatencyFault, DelaysEveryChunkWithoutReducingThroughput) {
  Chain c({"latency:direction=to_client,latency_ms=400"});
  auto a = c.feed(seg(0, 100));
  auto b = c.feed(seg(1, 100));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(ms_of(a[0].at), 400);
  EXPECT_DOUBLE_EQ(ms_of(b[0].at), 401) << "pipelined: the second chunk does not wait for the first";
}

TEST(LatencyFault, JitterIsSeededAndNeverReorders) {
  auto run = [](std::uint64_t seed) {
    Chain c({"latency:direction=both,latency_ms=100,jitter_ms=80"}, Direction::to_server, seed);
    std::vector<double> at;
    for (int i = 0; i < 200; ++i) at.push_back(ms_of(c.feed(seg(i * 0.5, 10))[0].at));
    return at;
  };
  const auto a = run(42), b = run(42), other = run(43);
  EXPECT_EQ(a, b) << "the same seed replays the same delays";
  EXPECT_NE(a, other);
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_GE(a[i], a[i - 1]) << "TCP never reorders";
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double sent = static_cast<double>(i) * 0.5;
    EXPECT_GE(a[i], sent + 20 - 1e-6);
    EXPECT_LE(a[i], std::max(sent + 180, a[i > 0 ? i - 1 : 0]) + 1e-6);
  }
}

TEST(LatencyFault, OnlyInItsScope) {
  Chain c({"latency:direction=to_client,during=security_upgrade,latency_ms=300"});
  EXPECT_DOUBLE_EQ(ms_of(c.feed(seg(0, 19), Phase::connection_initiation)[0].at), 0);
  EXPECT_DOUBLE_EQ(ms_of(c.feed(seg(1, 900), Phase::security_upgrade)[0].at), 301);
  EXPECT_DOUBLE_EQ(ms_of(c.feed(seg(400, 50), Phase::basic_settings_exchange)[0].at), 400);
}

TEST(LatencyFault, Keys) {
  EXPECT_FALSE(faults::parse_fault_spec("latency:direction=both").fault) << "latency_ms is required";
  EXPECT_FALSE(faults::parse_fault_spec("latency:phase=licensing,latency_ms=5").fault) << "a stream fault";
  EXPECT_FALSE(faults::parse_fault_spec("latency:direction=sideways,latency_ms=5").fault);
}

}  // namespace
}  // namespace rdpfault::faults::test
