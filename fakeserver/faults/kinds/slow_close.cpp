// slow_close: when a side closes, the FIN reaches the other side only delay_ms later (a
// middlebox holding half-closed flows; Toxiproxy's slow_close). Data passes untouched.
#include "rdpfault/faults/registry.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {
namespace {

class SlowCloseStream final : public StreamUnit {
 public:
  explicit SlowCloseStream(int ms) : delay_(std::chrono::milliseconds(ms)) {}
  void on_segment(Segment in, StreamContext&, std::vector<Segment>& out) override { out.push_back(std::move(in)); }
  TimePoint on_end(TimePoint at, StreamContext& ctx) override {
    ctx.notes.push_back({"held the close for " + std::to_string(delay_.count()) + " ms", {{"delay_ms", delay_.count()}}});
    return at + delay_;
  }

 private:
  std::chrono::milliseconds delay_;
};

class SlowClose final : public Unit {
 public:
  explicit SlowClose(int ms) : ms_(ms) {}
  std::unique_ptr<StreamUnit> stream(std::uint64_t) const override { return std::make_unique<SlowCloseStream>(ms_); }
  nlohmann::json params() const override { return {{"delay_ms", ms_}}; }

 private:
  int ms_;
};

constexpr ParamDoc kParams[] = {{"delay_ms", "integer 1..600000 (ms)", "how long the close is held (required)"}};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  auto ms = p.required_integer("delay_ms", 1, 600'000);
  if (!ms) return nullptr;
  return std::make_shared<SlowClose>(static_cast<int>(*ms));
}

}  // namespace

extern const KindInfo slow_close_kind;
const KindInfo slow_close_kind = {"slow_close", "pass a side's close on only after a delay", only(Hook::stream), kParams, {},
                                  &parse};

}  // namespace rdpfault::faults
