// delay: the server waits delay_ms before its next PDU (a slow host: an overloaded session
// host, a domain controller far away), then carries on as if nothing happened.
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::faults {
namespace {

class Delay final : public Unit {
 public:
  explicit Delay(int ms) : ms_(ms) {}
  std::vector<Action> actions() const override { return {Wait{ms_}}; }
  nlohmann::json params() const override { return {{"delay_ms", ms_}}; }

 private:
  int ms_;
};

constexpr ParamDoc kParams[] = {{"delay_ms", "integer 1..600000 (ms)", "how long the server waits (required)"}};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  auto ms = p.required_integer("delay_ms", 1, 600'000);
  if (!ms) return nullptr;
  return std::make_shared<Delay>(static_cast<int>(*ms));
}

}  // namespace

extern const KindInfo delay_kind;
const KindInfo delay_kind = {"delay", "wait, then carry on (a slow server)",
                             Hook::server_pdu | Hook::tls_handshake | Hook::credssp_reply, kParams, {}, &parse};

}  // namespace rdpfault::faults
