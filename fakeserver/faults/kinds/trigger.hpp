#pragma once
// Shared by the kinds that end a direction at a point of the byte stream (close, reset,
// stall): "after N bytes" or "after N ms" of the fault's scope, and the stream unit that
// carries it out. Not a kind itself.
#include <optional>

#include "rdpfault/faults/params.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults::trigger {

/// When a stream close/reset/stall trips: after `bytes` bytes of the direction in scope, or
/// `ms` after the scope was entered; neither means at once (after 0 bytes).
struct Trigger {
  std::optional<std::uint64_t> bytes;
  std::optional<int> ms;
  nlohmann::json params() const;
};

/// Reads after_bytes / after_ms for a stream fault; forbids them for a point fault.
std::optional<Trigger> read_trigger(Params& p, const Placement& where);

enum class Effect { close, reset, stall };

class TriggerUnit final : public StreamUnit {
 public:
  TriggerUnit(Trigger t, Effect e) : trigger_(t), effect_(e) {}
  void on_segment(Segment in, StreamContext& ctx, std::vector<Segment>& out) override;
  TimePoint next_timer() const override;
  void on_timer(StreamContext& ctx, std::vector<Segment>& out) override;
  void on_scope_entered(TimePoint at) override { entered_ = at; }
  nlohmann::json summary() const override;

 private:
  void trip(TimePoint at, StreamContext& ctx, std::uint64_t offset);
  Trigger trigger_;
  Effect effect_;
  std::optional<TimePoint> entered_;
  bool tripped_ = false;
  std::uint64_t passed_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace rdpfault::faults::trigger
