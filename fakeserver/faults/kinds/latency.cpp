// latency: every chunk of the direction is delivered latency_ms (± jitter_ms, uniform, from
// the seed) after it was sent, in order: a long or congested path (satellite, a VPN across
// continents). Throughput is not reduced; only time passes (Toxiproxy's latency toxic).
#include <random>

#include "rdpfault/faults/registry.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {
namespace {

class LatencyStream final : public StreamUnit {
 public:
  LatencyStream(int latency_ms, int jitter_ms, std::uint64_t seed)
      : latency_(std::chrono::milliseconds(latency_ms)), jitter_us_(jitter_ms * 1000), rng_(seed) {}

  void on_segment(Segment in, StreamContext&, std::vector<Segment>& out) override {
    auto d = std::chrono::duration_cast<Clock::duration>(latency_);
    if (jitter_us_ > 0) {
      std::uniform_int_distribution<std::int64_t> j(-jitter_us_, jitter_us_);
      d += std::chrono::microseconds(j(rng_));
      if (d < Clock::duration::zero()) d = Clock::duration::zero();
    }
    in.at = std::max(in.at + d, last_);  // TCP delivers in order: never overtake.
    last_ = in.at;
    ++segments_;
    out.push_back(std::move(in));
  }
  nlohmann::json summary() const override { return {{"segments", segments_}}; }

 private:
  std::chrono::milliseconds latency_;
  std::int64_t jitter_us_;
  std::mt19937_64 rng_;
  TimePoint last_{};
  std::uint64_t segments_ = 0;
};

class Latency final : public Unit {
 public:
  Latency(int ms, int jitter) : ms_(ms), jitter_(jitter) {}
  std::unique_ptr<StreamUnit> stream(std::uint64_t seed) const override {
    return std::make_unique<LatencyStream>(ms_, jitter_, seed);
  }
  nlohmann::json params() const override { return {{"latency_ms", ms_}, {"jitter_ms", jitter_}}; }

 private:
  int ms_, jitter_;
};

constexpr ParamDoc kParams[] = {
    {"latency_ms", "integer 0..60000 (ms)", "added one-way delay (required)"},
    {"jitter_ms", "integer 0..60000 (ms)", "uniform variation around it, from the run's seed (default 0)"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  auto ms = p.required_integer("latency_ms", 0, 60'000);
  const auto jitter = p.integer("jitter_ms", 0, 60'000).value_or(0);
  if (!ms || p.failed()) return nullptr;
  return std::make_shared<Latency>(static_cast<int>(*ms), static_cast<int>(jitter));
}

}  // namespace

extern const KindInfo latency_kind;
const KindInfo latency_kind = {"latency", "delay every chunk of a direction (with seeded jitter)", only(Hook::stream), kParams, {},
                               &parse};

}  // namespace rdpfault::faults
