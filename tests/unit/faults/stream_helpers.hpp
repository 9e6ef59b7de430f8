#pragma once
// Stream units under a fake clock: segments in, segments out, no sockets.
#include <chrono>
#include <numeric>
#include <string>
#include <vector>

#include "../../support/fault_script.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults::test {

using namespace std::chrono_literals;

/// t0 + ms, the fake clock.
inline TimePoint at_ms(double ms) {
  return TimePoint{} + std::chrono::hours(1) + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}
inline double ms_of(TimePoint t) { return std::chrono::duration<double, std::milli>(t - at_ms(0)).count(); }

inline Segment seg(double ms, std::size_t n, std::uint8_t fill = 0xAB) { return Segment{at_ms(ms), std::vector<std::uint8_t>(n, fill)}; }

inline std::size_t bytes(const std::vector<Segment>& v) {
  return std::accumulate(v.begin(), v.end(), std::size_t{0}, [](std::size_t a, const Segment& s) { return a + s.bytes.size(); });
}

/// A chain made of the given specs for one direction of connection 1.
struct Chain {
  std::vector<Fault> faults;
  StreamChain chain;
  Chain(const std::vector<std::string>& specs, Direction dir = Direction::to_client, std::uint64_t seed = 7)
      : faults(rdpfault::test::parse_specs(specs)), chain(faults, dir, 1, seed) {}
  std::vector<Segment> feed(Segment s, Phase p = Phase::active) { return chain.feed(std::move(s), PhaseRange::exactly(p)); }
};

}  // namespace rdpfault::faults::test
