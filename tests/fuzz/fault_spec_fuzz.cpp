// Fault specs from a command line (`--fault KIND:key=value,...`) as arbitrary text: every
// problem is a value naming the key, never a crash; a spec that parses describes itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rdpfault/faults/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = rdpfault::faults::parse_fault_spec(text);
  if (r.fault && !r.problems.empty()) std::abort();
  if (!r.fault && r.problems.empty()) std::abort();  // A refusal always says why.
  if (r.fault) (void)r.fault->describe().dump();
  return 0;
}
