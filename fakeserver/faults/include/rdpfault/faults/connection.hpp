#pragma once
/// The faults of one connection: which apply to it, which have fired, and its stream chains.
///
/// Built by the session when a connection is accepted from the server's fault list and the
/// connection's number. Point faults fire once each, in file order, at their point; the
/// active-session ones in order of their time (ties in file order).
#include <cstdint>
#include <vector>

#include "rdpfault/faults/fault.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {

/// One fault due at a point, with its index in the server's list (the trace names it).
struct Due {
  const Fault* fault = nullptr;
  std::size_t index = 0;
};

class ConnectionFaults {
 public:
  ConnectionFaults() = default;
  /// `faults` must outlive this object.
  ConnectionFaults(const std::vector<Fault>& faults, std::uint64_t connection);

  /// The faults at `hook` in `phase` that have not fired yet, in order, now marked fired.
  /// Stops after the first whose actions end the connection.
  std::vector<Due> take(Hook hook, Phase phase);
  /// Whether any unfired fault waits at `hook` in `phase` (without taking it).
  bool pending(Hook hook, Phase phase) const;
  /// The active-session faults not yet fired, by time (ties in file order).
  std::vector<Due> active_schedule() const;
  /// Marks one active-session fault fired.
  void fired(std::size_t index);

  bool has_stream() const noexcept { return has_stream_; }
  std::uint64_t connection() const noexcept { return connection_; }

 private:
  const std::vector<Fault>* faults_ = nullptr;
  std::uint64_t connection_ = 0;
  std::vector<bool> fired_;
  bool has_stream_ = false;
};

}  // namespace rdpfault::faults
