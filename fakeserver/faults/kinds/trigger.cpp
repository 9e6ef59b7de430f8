#include "trigger.hpp"

namespace rdpfault::faults::trigger {

nlohmann::json Trigger::params() const {
  nlohmann::json j = nlohmann::json::object();
  if (bytes) j["after_bytes"] = *bytes;
  if (ms) j["after_ms"] = *ms;
  return j;
}

std::optional<Trigger> read_trigger(Params& p, const Placement& where) {
  Trigger t;
  if (where.hook != Hook::stream) {
    p.forbid({"after_bytes"}, "stream faults (with 'direction')");
    return t;
  }
  if (p.has("after_bytes") && p.has("after_ms")) {
    p.touch("after_ms");
    p.error("after_ms", "give either after_bytes or after_ms, not both");
    return std::nullopt;
  }
  if (auto b = p.integer("after_bytes", 0, std::int64_t{1} << 40)) t.bytes = static_cast<std::uint64_t>(*b);
  if (auto ms = p.integer("after_ms", 0, 86'400'000)) t.ms = static_cast<int>(*ms);
  if (!t.bytes && !t.ms) t.bytes = 0;
  return t;
}

void TriggerUnit::trip(TimePoint at, StreamContext& ctx, std::uint64_t offset) {
  tripped_ = true;
  const char* what = effect_ == Effect::close ? "closed the connection" : effect_ == Effect::reset ? "reset the connection"
                                                                                                 : "stopped delivering";
  ctx.notes.push_back({std::string(what) + " after " + std::to_string(offset) + " bytes", {{"after_bytes", offset}}});
  if (effect_ != Effect::stall) {
    ctx.verdict = Verdict{at, effect_ == Effect::reset, std::string(what) + " after " + std::to_string(offset) + " bytes"};
  }
}

void TriggerUnit::on_segment(Segment in, StreamContext& ctx, std::vector<Segment>& out) {
  if (tripped_) {
    dropped_ += in.bytes.size();
    return;
  }
  if (!trigger_.bytes) {  // Time-triggered: bytes pass until the timer trips.
    passed_ += in.bytes.size();
    out.push_back(std::move(in));
    return;
  }
  const std::uint64_t left = *trigger_.bytes - passed_;  // The first N bytes pass; byte N+1 trips.
  if (in.bytes.size() <= left) {
    passed_ += in.bytes.size();
    out.push_back(std::move(in));
    return;
  }
  const auto keep = static_cast<std::size_t>(left);
  dropped_ += in.bytes.size() - keep;
  const TimePoint at = in.at;
  if (keep > 0) {
    in.bytes.resize(keep);
    passed_ += keep;
    out.push_back(std::move(in));
  }
  trip(at, ctx, passed_);
}

TimePoint TriggerUnit::next_timer() const {
  if (tripped_ || !trigger_.ms || !entered_) return TimePoint::max();
  return *entered_ + std::chrono::milliseconds(*trigger_.ms);
}

void TriggerUnit::on_timer(StreamContext& ctx, std::vector<Segment>&) { trip(ctx.now, ctx, passed_); }

nlohmann::json TriggerUnit::summary() const {
  return {{"tripped", tripped_}, {"passed_bytes", passed_}, {"dropped_bytes", dropped_}};
}

}  // namespace rdpfault::faults::trigger
