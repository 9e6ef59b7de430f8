// slicer: every chunk of the direction is cut into small segments (size ± size_variation
// bytes, from the seed) sent delay_us apart, as a path with a tiny MTU or a fragmenting
// middlebox delivers it. A correct client reassembles TPKT and TLS records from any split
// (Toxiproxy's slicer toxic).
#include <algorithm>
#include <random>

#include "rdpfault/faults/registry.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {
namespace {

class SlicerStream final : public StreamUnit {
 public:
  SlicerStream(int size, int variation, int delay_us, std::uint64_t seed)
      : size_(size), variation_(variation), delay_(std::chrono::microseconds(delay_us)), rng_(seed) {}

  void on_segment(Segment in, StreamContext&, std::vector<Segment>& out) override {
    TimePoint at = std::max(in.at, last_);
    std::size_t off = 0;
    while (off < in.bytes.size()) {
      int n = size_;
      if (variation_ > 0) n += std::uniform_int_distribution<int>(-variation_, variation_)(rng_);
      const auto take = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, n)), in.bytes.size() - off);
      Segment s;
      s.at = at;
      s.bytes.assign(in.bytes.begin() + static_cast<std::ptrdiff_t>(off),
                     in.bytes.begin() + static_cast<std::ptrdiff_t>(off + take));
      out.push_back(std::move(s));
      off += take;
      ++segments_;
      if (off < in.bytes.size()) at += delay_;
    }
    last_ = at;
  }
  nlohmann::json summary() const override { return {{"segments", segments_}}; }

 private:
  int size_, variation_;
  std::chrono::microseconds delay_;
  std::mt19937_64 rng_;
  TimePoint last_{};
  std::uint64_t segments_ = 0;
};

class Slicer final : public Unit {
 public:
  Slicer(int size, int variation, int delay_us) : size_(size), variation_(variation), delay_us_(delay_us) {}
  std::unique_ptr<StreamUnit> stream(std::uint64_t seed) const override {
    return std::make_unique<SlicerStream>(size_, variation_, delay_us_, seed);
  }
  nlohmann::json params() const override {
    return {{"size", size_}, {"size_variation", variation_}, {"delay_us", delay_us_}};
  }

 private:
  int size_, variation_, delay_us_;
};

constexpr ParamDoc kParams[] = {
    {"size", "integer 1..65536 (bytes)", "average segment size (required)"},
    {"size_variation", "integer 0..65536 (bytes)", "uniform variation around it, from the seed (default 0)"},
    {"delay_us", "integer 0..1000000 (µs)", "pause between the segments of one chunk (default 0)"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  auto size = p.required_integer("size", 1, 65'536);
  const auto var = p.integer("size_variation", 0, 65'536).value_or(0);
  const auto delay = p.integer("delay_us", 0, 1'000'000).value_or(0);
  if (!size || p.failed()) return nullptr;
  if (var >= *size) {
    p.error("size_variation", "must be below size (" + std::to_string(*size) + ")");
    return nullptr;
  }
  return std::make_shared<Slicer>(static_cast<int>(*size), static_cast<int>(var), static_cast<int>(delay));
}

}  // namespace

extern const KindInfo slicer_kind;
const KindInfo slicer_kind = {"slicer", "cut a direction into small segments", only(Hook::stream), kParams, {}, &parse};

}  // namespace rdpfault::faults
