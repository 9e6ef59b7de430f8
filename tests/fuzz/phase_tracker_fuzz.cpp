// The proxy's passive tracker fed arbitrary bytes in both directions (each chunk: one byte
// for the direction and length, then that many bytes): it accounts for every byte, never
// loops, never reads out of bounds.
#include <cstdint>
#include <cstdlib>

#include "rdpfault/acceptor/phase_tracker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rdpfault::acceptor::PhaseTracker t([](std::string, nlohmann::json) {});
  while (size > 0) {
    const auto dir = (data[0] & 0x80) ? rdpfault::faults::Direction::to_client : rdpfault::faults::Direction::to_server;
    std::size_t n = (data[0] & 0x7F) + 1u;
    ++data, --size;
    if (n > size) n = size;
    if (n == 0) break;
    std::size_t total = 0;
    for (const auto& p : t.observe(dir, std::span(data, n))) total += p.length;
    if (total != n) std::abort();
    data += n, size -= n;
  }
  return 0;
}
