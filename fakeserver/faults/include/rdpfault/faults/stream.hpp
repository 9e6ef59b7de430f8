#pragma once
/// Network conditions: transforms of one direction of a connection's byte stream.
///
/// The I/O side (fakeserver/src/link.cpp) reads bytes from one end, stamps them with the time
/// they arrived, and feeds them to the direction's `StreamChain`; the chain passes them
/// through its units in file order (each unit's output feeds the next, as Toxiproxy chains
/// toxics) and returns `Segment`s, each to be written no earlier than its `at`. The link
/// writes them in order and carries out the chain's `Verdict` (close with FIN or RST at a
/// time). Units are pure: time is an argument, randomness comes from the seeded generator
/// they were made with, so a run replays exactly from its seed.
///
/// A unit applies only while the connection is in its fault's scope of phases; outside it,
/// bytes pass through that unit untouched (but still through the others).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/faults/fault.hpp"

namespace rdpfault::faults {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

/// Bytes to deliver no earlier than `at`.
struct Segment {
  TimePoint at{};
  std::vector<std::uint8_t> bytes;
};

/// How a unit ends the connection: both sides, at `at`.
struct Verdict {
  TimePoint at{};
  bool rst = false;
  std::string why;
};

/// Something a unit did that the trace should show (once, not per byte).
struct StreamNote {
  std::string what;          ///< "blackholed a 1460-byte segment", "cut after 2000 bytes", ...
  nlohmann::json data;       ///< Extra fields for the trace.
};

/// What a unit sees besides the bytes, and what it may ask for.
struct StreamContext {
  PhaseRange phase;                    ///< Where the connection is (for the trace).
  TimePoint now{};                     ///< When the current input arrived or the timer fired.
  std::uint64_t offset = 0;            ///< Bytes of this direction that reached this unit before.
  std::optional<Verdict> verdict;      ///< Set to end the connection.
  std::vector<StreamNote> notes;       ///< Appended to for the trace.
};

/// One direction's transform for one fault kind.
class StreamUnit {
 public:
  virtual ~StreamUnit() = default;
  /// `in` arrived; append what leaves, in order and with non-decreasing `at`, to `out`.
  virtual void on_segment(Segment in, StreamContext& ctx, std::vector<Segment>& out) = 0;
  /// The sender ended its side at `at` (FIN). Returns when the end may be passed on.
  virtual TimePoint on_end(TimePoint at, StreamContext&) { return at; }
  /// The next time this unit must act without input (e.g. reset after N ms); max() if never.
  virtual TimePoint next_timer() const { return TimePoint::max(); }
  virtual void on_timer(StreamContext&, std::vector<Segment>&) {}
  /// The scope of this unit's fault was entered (the first time) at `at`.
  virtual void on_scope_entered(TimePoint) {}
  /// Counters for the connection's summary in the trace (bytes held, dropped, ...).
  virtual nlohmann::json summary() const { return nlohmann::json::object(); }
};

/// The stream units of one direction of one connection, in file order.
class StreamChain {
 public:
  struct Entry {
    const Fault* fault = nullptr;
    std::size_t index = 0;  ///< The fault's index in the server's list (for the trace).
    std::unique_ptr<StreamUnit> unit;
    bool entered = false;   ///< The scope has been entered.
    std::uint64_t seen = 0; ///< Bytes that reached this unit.
  };
  /// Stream faults of `faults` that act in `dir` on connection `connection`.
  StreamChain(const std::vector<Fault>& faults, Direction dir, std::uint64_t connection, std::uint64_t seed);

  bool empty() const noexcept { return entries_.empty(); }
  Direction direction() const noexcept { return dir_; }

  /// Passes `in` (arrived at in.at, in phase `phase`) through every unit.
  std::vector<Segment> feed(Segment in, PhaseRange phase);
  /// The sender closed at `at`; returns when the FIN may follow the last segment.
  TimePoint end(TimePoint at, PhaseRange phase);
  /// The earliest unit timer (max() if none).
  TimePoint next_timer() const;
  /// Runs the units whose timers are due at `now`.
  std::vector<Segment> tick(TimePoint now, PhaseRange phase);
  /// The phase moved (even without bytes): units whose scope begins start their clocks.
  void phase_changed(PhaseRange phase, TimePoint now);

  /// Set once a unit asked to end the connection (the earliest such request wins).
  const std::optional<Verdict>& verdict() const noexcept { return verdict_; }
  /// Notes since the last call, each with the fault that made it.
  struct Note {
    std::size_t fault_index;
    std::string_view kind;
    PhaseRange phase;  ///< The phase of the bytes the unit acted on.
    StreamNote note;
  };
  std::vector<Note> take_notes();
  /// Per-unit counters for the trace: [{fault, kind, ...}].
  nlohmann::json summary() const;

 private:
  void enter_scopes(PhaseRange phase, TimePoint now);
  void collect(Entry& e, StreamContext& ctx);

  Direction dir_;
  std::vector<Entry> entries_;
  std::optional<Verdict> verdict_;
  std::vector<Note> notes_;
};

/// A generator for one unit: seed mixed with the connection, direction and fault index.
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t connection, Direction dir, std::size_t fault_index) noexcept;

/// Splits `in` into pieces of at most `size` bytes, all at `in.at` (helper for units).
void split(Segment in, std::size_t size, std::vector<Segment>& out);

}  // namespace rdpfault::faults
