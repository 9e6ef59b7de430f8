// close: the server ends the connection with a FIN instead of its next PDU; or, on the byte
// stream, the path closes the connection after N bytes or N ms (a middlebox's idle or volume
// limit: Toxiproxy's limit_data).
#include "rdpfault/faults/registry.hpp"
#include "trigger.hpp"

namespace rdpfault::faults {
namespace {

class Close final : public Unit {
 public:
  explicit Close(trigger::Trigger t) : trigger_(t) {}
  std::vector<Action> actions() const override { return {faults::Close{false}}; }
  std::unique_ptr<StreamUnit> stream(std::uint64_t) const override {
    return std::make_unique<trigger::TriggerUnit>(trigger_, trigger::Effect::close);
  }
  nlohmann::json params() const override { return trigger_.params(); }

 private:
  trigger::Trigger trigger_;
};

constexpr ParamDoc kParams[] = {
    {"after_bytes", "integer (bytes)", "stream only: let this many bytes of the direction through, then close (default 0)"},
    {"after_ms", "integer (ms)", "stream only: close this long after the scope began (instead of after_bytes)"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement& where) {
  auto t = trigger::read_trigger(p, where);
  if (!t) return nullptr;
  return std::make_shared<Close>(*t);
}

}  // namespace

extern const KindInfo close_kind;
const KindInfo close_kind = {"close", "end the connection with a FIN (no error info)", kPointHooks | Hook::stream,
                             kParams, {}, &parse};

}  // namespace rdpfault::faults
