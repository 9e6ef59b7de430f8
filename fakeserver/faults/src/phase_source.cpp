#include "rdpfault/faults/phase_source.hpp"

#include <algorithm>

namespace rdpfault::faults {

void SessionPhases::mark(Phase phase, std::uint64_t sent_to_client) {
  current_ = phase;
  marks_.push_back({sent_to_client, phase});
  if (on_change) on_change(PhaseRange::exactly(phase));
}

std::vector<PhaseSource::Piece> SessionPhases::observe(Direction dir, std::span<const std::uint8_t> bytes) {
  if (dir == Direction::to_server) return {{bytes.size(), current()}};
  std::vector<Piece> out;
  std::size_t done = 0;
  while (done < bytes.size()) {
    while (!marks_.empty() && marks_.front().offset <= observed_) {
      observed_phase_ = marks_.front().phase;
      marks_.erase(marks_.begin());
    }
    std::size_t len = bytes.size() - done;
    if (!marks_.empty()) len = std::min<std::size_t>(len, static_cast<std::size_t>(marks_.front().offset - observed_));
    out.push_back({len, PhaseRange::exactly(observed_phase_)});
    observed_ += len;
    done += len;
  }
  return out;
}

}  // namespace rdpfault::faults
