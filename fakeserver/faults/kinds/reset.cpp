// reset: the server resets the connection (RST, SO_LINGER 0) instead of its next PDU; or, on
// the byte stream, the path resets it after N bytes or N ms (a middlebox that kills the flow:
// Toxiproxy's reset_peer).
#include "rdpfault/faults/registry.hpp"
#include "trigger.hpp"

namespace rdpfault::faults {
namespace {

class Reset final : public Unit {
 public:
  explicit Reset(trigger::Trigger t) : trigger_(t) {}
  std::vector<Action> actions() const override { return {faults::Close{true}}; }
  std::unique_ptr<StreamUnit> stream(std::uint64_t) const override {
    return std::make_unique<trigger::TriggerUnit>(trigger_, trigger::Effect::reset);
  }
  nlohmann::json params() const override { return trigger_.params(); }

 private:
  trigger::Trigger trigger_;
};

constexpr ParamDoc kParams[] = {
    {"after_bytes", "integer (bytes)", "stream only: let this many bytes of the direction through, then reset (default 0)"},
    {"after_ms", "integer (ms)", "stream only: reset this long after the scope began (instead of after_bytes)"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement& where) {
  auto t = trigger::read_trigger(p, where);
  if (!t) return nullptr;
  return std::make_shared<Reset>(*t);
}

}  // namespace

extern const KindInfo reset_kind;
const KindInfo reset_kind = {"reset", "reset the connection (TCP RST)", kPointHooks | Hook::stream, kParams, {}, &parse};

}  // namespace rdpfault::faults
