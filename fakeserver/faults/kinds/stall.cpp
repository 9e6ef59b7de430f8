// stall: the server goes silent (reads and discards, answers nothing, keeps the connection
// open) instead of its next PDU; or, on the byte stream, the path stops delivering one
// direction after N bytes or N ms and keeps the socket open (a handshake cut midway).
#include "rdpfault/faults/registry.hpp"
#include "trigger.hpp"

namespace rdpfault::faults {
namespace {

class Stall final : public Unit {
 public:
  explicit Stall(trigger::Trigger t) : trigger_(t) {}
  std::vector<Action> actions() const override { return {faults::Stall{}}; }
  std::unique_ptr<StreamUnit> stream(std::uint64_t) const override {
    return std::make_unique<trigger::TriggerUnit>(trigger_, trigger::Effect::stall);
  }
  nlohmann::json params() const override { return trigger_.params(); }

 private:
  trigger::Trigger trigger_;
};

constexpr ParamDoc kParams[] = {
    {"after_bytes", "integer (bytes)", "stream only: deliver this many bytes of the direction, then nothing (default 0)"},
    {"after_ms", "integer (ms)", "stream only: stop delivering this long after the scope began (instead of after_bytes)"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement& where) {
  auto t = trigger::read_trigger(p, where);
  if (!t) return nullptr;
  return std::make_shared<Stall>(*t);
}

}  // namespace

extern const KindInfo stall_kind;
const KindInfo stall_kind = {"stall", "stop answering (or delivering) and keep the connection open",
                             kPointHooks | Hook::stream, kParams, {}, &parse};

}  // namespace rdpfault::faults
