// The phases the fake server marks: its bytes to the client split where each phase began.
#include "rdpfault/faults/phase_source.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rdpfault::faults {
namespace {

TEST(SessionPhases, SplitsTheServersBytesWhereItsPhasesBegan) {
  SessionPhases s;
  std::vector<std::string> changes;
  s.on_change = [&](PhaseRange r) { changes.push_back(to_string(r)); };
  s.mark(Phase::connection_initiation, 0);
  s.mark(Phase::security_upgrade, 19);  // After the 19-byte Confirm.
  const std::vector<std::uint8_t> chunk(100, 0);
  auto pieces = s.observe(Direction::to_client, chunk);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].length, 19u);
  EXPECT_EQ(pieces[0].phase, PhaseRange::exactly(Phase::connection_initiation));
  EXPECT_EQ(pieces[1].length, 81u);
  EXPECT_EQ(pieces[1].phase, PhaseRange::exactly(Phase::security_upgrade));
  // Bytes to the server belong to the phase the server waits in.
  s.mark(Phase::basic_settings_exchange, 100);
  EXPECT_EQ(s.observe(Direction::to_server, chunk)[0].phase, PhaseRange::exactly(Phase::basic_settings_exchange));
  EXPECT_EQ(changes, (std::vector<std::string>{"connection_initiation", "security_upgrade", "basic_settings_exchange"}));
}

}  // namespace
}  // namespace rdpfault::faults
