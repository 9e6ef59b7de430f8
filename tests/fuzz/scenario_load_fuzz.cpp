// Scenario files are user input: any bytes give a scenario or diagnostics, never a crash, and
// a diagnostic always names a place in the file (line >= 1) with a message.
#include <cstdint>
#include <string_view>

#include "rdpfault/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = rdpfault::scenario::parse_scenario(text, "fuzz.toml");
  if (r.scenario.has_value() == !r.diagnostics.empty()) __builtin_trap();
  for (const auto& d : r.diagnostics) {
    if (d.line < 1 || d.message.empty() || d.file != "fuzz.toml") __builtin_trap();
  }
  return 0;
}
