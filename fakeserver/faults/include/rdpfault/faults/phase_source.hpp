#pragma once
/// Which phase the bytes of a connection belong to, so a stream fault's scope (`during`,
/// `from`) applies to exactly the bytes it names. No I/O.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "rdpfault/faults/fault.hpp"

namespace rdpfault::faults {

/// Which phase the bytes of each direction belong to. The fake server knows exactly (the
/// session marks its phases); the proxy infers them from the X.224 exchange and TLS framing.
class PhaseSource {
 public:
  struct Piece {
    std::size_t length;
    PhaseRange phase;
  };
  virtual ~PhaseSource() = default;
  /// `bytes` are the next bytes of `dir`; returns their split by phase (lengths sum to size).
  virtual std::vector<Piece> observe(Direction dir, std::span<const std::uint8_t> bytes) = 0;
  /// The phase now (for a side's close and for scopes entered without bytes).
  virtual PhaseRange current() const = 0;
};

/// The fake server's phases, as its session marks them.
class SessionPhases final : public PhaseSource {
 public:
  /// The session now waits in `phase`; its next byte to the client is number `sent_to_client`.
  void mark(Phase phase, std::uint64_t sent_to_client);
  std::vector<Piece> observe(Direction dir, std::span<const std::uint8_t> bytes) override;
  PhaseRange current() const override { return PhaseRange::exactly(current_); }
  /// Called with the new phase on every mark (the link starts time-based scopes with it).
  std::function<void(PhaseRange)> on_change;

 private:
  struct Mark {
    std::uint64_t offset;
    Phase phase;
  };
  Phase current_ = Phase::connection_initiation;
  Phase observed_phase_ = Phase::connection_initiation;  // Phase of the next to-client byte observed.
  // Marks not yet reached by observed bytes: a vector (at most a dozen per connection; an
  // empty std::deque would allocate 576 bytes for every session, link or not).
  std::vector<Mark> marks_;
  std::uint64_t observed_ = 0;
};

}  // namespace rdpfault::faults
