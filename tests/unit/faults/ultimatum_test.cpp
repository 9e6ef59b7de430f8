// ultimatum: a Disconnect Provider Ultimatum alone, then close.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(UltimatumFault, BeforeTheDemandActive) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"ultimatum:phase=capabilities_exchange"}));
  EXPECT_TRUE(s.has("emit mcs disconnect provider ultimatum"));
  EXPECT_TRUE(s.with("emit demand active").empty());
  EXPECT_EQ(s.lines.back(), "close");
}

TEST(UltimatumFault, NotBeforeMcs) { EXPECT_FALSE(faults::parse_fault_spec("ultimatum:phase=connection_initiation").fault); }

}  // namespace
}  // namespace rdpfault::faults::test
