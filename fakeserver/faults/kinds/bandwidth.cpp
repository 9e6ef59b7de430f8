// bandwidth: the direction carries at most bytes_per_second; bytes leave in pieces of about
// 10 ms worth, each when the link would have finished sending it (a starved VPN, a modem,
// a congested uplink: Toxiproxy's bandwidth toxic, with byte rather than KB granularity).
#include <algorithm>

#include "rdpfault/faults/registry.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {
namespace {

class BandwidthStream final : public StreamUnit {
 public:
  explicit BandwidthStream(std::int64_t rate) : rate_(rate), piece_(static_cast<std::size_t>(std::max<std::int64_t>(1, rate / 100))) {}

  void on_segment(Segment in, StreamContext&, std::vector<Segment>& out) override {
    std::vector<Segment> pieces;
    split(std::move(in), piece_, pieces);
    for (auto& s : pieces) {
      const TimePoint start = std::max(s.at, free_at_);
      if (start > free_at_) carry_ns_ = 0;  // The link was idle: no fraction carries over.
      // Nanoseconds this piece occupies the link, with the sub-nanosecond remainder carried
      // so the long-run rate is exact.
      const std::int64_t total = static_cast<std::int64_t>(s.bytes.size()) * 1'000'000'000 + carry_ns_;
      const auto ns = static_cast<std::int64_t>(total / rate_);
      carry_ns_ = static_cast<std::int64_t>(total % rate_);
      free_at_ = start + std::chrono::nanoseconds(ns);
      s.at = free_at_;
      bytes_ += s.bytes.size();
      out.push_back(std::move(s));
    }
  }
  nlohmann::json summary() const override { return {{"bytes", bytes_}}; }

 private:
  std::int64_t rate_;
  std::size_t piece_;
  TimePoint free_at_{};
  std::int64_t carry_ns_ = 0;
  std::uint64_t bytes_ = 0;
};

class Bandwidth final : public Unit {
 public:
  explicit Bandwidth(std::int64_t rate) : rate_(rate) {}
  std::unique_ptr<StreamUnit> stream(std::uint64_t) const override { return std::make_unique<BandwidthStream>(rate_); }
  nlohmann::json params() const override { return {{"bytes_per_second", rate_}}; }

 private:
  std::int64_t rate_;
};

constexpr ParamDoc kParams[] = {
    {"bytes_per_second", "integer 1..10000000000", "the direction's rate (required); 8000 is 64 kbit/s"}};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  auto rate = p.required_integer("bytes_per_second", 1, 10'000'000'000);
  if (!rate) return nullptr;
  return std::make_shared<Bandwidth>(*rate);
}

}  // namespace

extern const KindInfo bandwidth_kind;
const KindInfo bandwidth_kind = {"bandwidth", "limit a direction to a rate in bytes per second", only(Hook::stream), kParams, {},
                                 &parse};

}  // namespace rdpfault::faults
