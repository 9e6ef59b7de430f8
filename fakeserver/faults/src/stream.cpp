#include "rdpfault/faults/stream.hpp"

#include <algorithm>

namespace rdpfault::faults {

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t connection, Direction dir, std::size_t fault_index) noexcept {
  // splitmix64 over the four inputs: distinct, well-spread seeds per unit.
  auto mix = [](std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::uint64_t h = mix(seed);
  h = mix(h ^ connection);
  h = mix(h ^ (dir == Direction::to_client ? 1u : 2u));
  return mix(h ^ fault_index);
}

void split(Segment in, std::size_t size, std::vector<Segment>& out) {
  if (size == 0 || in.bytes.size() <= size) {
    out.push_back(std::move(in));
    return;
  }
  for (std::size_t off = 0; off < in.bytes.size(); off += size) {
    const auto n = std::min(size, in.bytes.size() - off);
    Segment s;
    s.at = in.at;
    s.bytes.assign(in.bytes.begin() + static_cast<std::ptrdiff_t>(off),
                   in.bytes.begin() + static_cast<std::ptrdiff_t>(off + n));
    out.push_back(std::move(s));
  }
}

StreamChain::StreamChain(const std::vector<Fault>& faults, Direction dir, std::uint64_t connection, std::uint64_t seed)
    : dir_(dir) {
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const auto& f = faults[i];
    if (!f.is_stream() || !f.connections.matches(connection)) continue;
    if (std::find(f.where.directions.begin(), f.where.directions.end(), dir) == f.where.directions.end()) continue;
    Entry e;
    e.fault = &f;
    e.index = i;
    e.unit = f.unit->stream(mix_seed(seed, connection, dir, i));
    if (e.unit) entries_.push_back(std::move(e));
  }
}

void StreamChain::collect(Entry& e, StreamContext& ctx) {
  for (auto& n : ctx.notes) notes_.push_back({e.index, e.fault->name(), ctx.phase, std::move(n)});
  ctx.notes.clear();
  if (ctx.verdict && (!verdict_ || ctx.verdict->at < verdict_->at)) verdict_ = ctx.verdict;
  ctx.verdict.reset();
}

void StreamChain::enter_scopes(PhaseRange phase, TimePoint now) {
  for (auto& e : entries_) {
    if (!e.entered && e.fault->where.scope.covers(phase)) {
      e.entered = true;
      e.unit->on_scope_entered(now);
    }
  }
}

void StreamChain::phase_changed(PhaseRange phase, TimePoint now) { enter_scopes(phase, now); }

std::vector<Segment> StreamChain::feed(Segment in, PhaseRange phase) {
  std::vector<Segment> cur;
  if (verdict_) return cur;  // The connection is ending: nothing more is delivered.
  const TimePoint arrived = in.at;
  enter_scopes(phase, arrived);
  cur.push_back(std::move(in));
  std::vector<Segment> next;
  for (auto& e : entries_) {
    if (!e.fault->where.scope.covers(phase)) continue;  // Outside its scope the unit is not there.
    next.clear();
    for (auto& s : cur) {
      StreamContext ctx;
      ctx.phase = phase;
      ctx.now = arrived;
      ctx.offset = e.seen;
      e.seen += s.bytes.size();
      e.unit->on_segment(std::move(s), ctx, next);
      collect(e, ctx);
    }
    std::swap(cur, next);
  }
  return cur;
}

TimePoint StreamChain::end(TimePoint at, PhaseRange phase) {
  for (auto& e : entries_) {
    if (!e.fault->where.scope.covers(phase)) continue;
    StreamContext ctx;
    ctx.phase = phase;
    ctx.now = at;
    ctx.offset = e.seen;
    at = std::max(at, e.unit->on_end(at, ctx));
    collect(e, ctx);
  }
  return at;
}

TimePoint StreamChain::next_timer() const {
  TimePoint t = TimePoint::max();
  for (const auto& e : entries_) t = std::min(t, e.unit->next_timer());
  return t;
}

std::vector<Segment> StreamChain::tick(TimePoint now, PhaseRange phase) {
  std::vector<Segment> out;
  for (auto& e : entries_) {
    if (e.unit->next_timer() > now) continue;
    StreamContext ctx;
    ctx.phase = phase;
    ctx.now = now;
    ctx.offset = e.seen;
    e.unit->on_timer(ctx, out);
    collect(e, ctx);
  }
  return out;
}

std::vector<StreamChain::Note> StreamChain::take_notes() {
  std::vector<Note> out;
  std::swap(out, notes_);
  return out;
}

nlohmann::json StreamChain::summary() const {
  auto j = nlohmann::json::array();
  for (const auto& e : entries_) {
    auto s = e.unit->summary();
    s["fault"] = e.index;
    s["kind"] = e.fault->name();
    s["bytes_seen"] = e.seen;
    j.push_back(std::move(s));
  }
  return j;
}

}  // namespace rdpfault::faults
