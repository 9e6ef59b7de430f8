// license_error: a Licensing Error Message instead of "valid client", then close.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

TEST(LicenseErrorFault, ReplacesTheValidClientMessage) {
  auto s = rdpfault::test::run_sequence(rdpfault::test::parse_specs({"license_error:phase=licensing,license_error=8,license_state=1"}));
  EXPECT_TRUE(s.has("emit license error alert"));
  EXPECT_TRUE(s.with("emit license error alert (valid client)").empty());
  EXPECT_EQ(s.lines.back(), "close");
  const auto f = faults::parse_fault_spec("license_error:phase=licensing,license_error=8").fault;
  ASSERT_TRUE(f);
  EXPECT_EQ(f->describe()["license_state"], 1) << "ST_TOTAL_ABORT by default";
}

TEST(LicenseErrorFault, OnlyInLicensingAndStateInRange) {
  EXPECT_FALSE(faults::parse_fault_spec("license_error:phase=finalization,license_error=8").fault);
  EXPECT_FALSE(faults::parse_fault_spec("license_error:phase=licensing,license_error=8,license_state=5").fault);
}

}  // namespace
}  // namespace rdpfault::faults::test
