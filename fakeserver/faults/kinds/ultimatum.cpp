// ultimatum: the server ends the MCS domain with a Disconnect Provider Ultimatum (T.125,
// reason rn-provider-initiated) and no error info, then closes.
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::faults {
namespace {

class Ultimatum final : public Unit {
 public:
  std::vector<Action> actions() const override { return {SendUltimatum{}, faults::Close{false}}; }
  nlohmann::json params() const override { return nlohmann::json::object(); }
};

std::shared_ptr<const Unit> parse(Params& p, const Placement& where) {
  if (where.hook == Hook::server_pdu && ordinal(where.phase) < ordinal(Phase::channel_connection)) {
    p.error("phase", "ultimatum rides on MCS and needs a phase from channel_connection on");
    return nullptr;
  }
  return std::make_shared<Ultimatum>();
}

}  // namespace

extern const KindInfo ultimatum_kind;
const KindInfo ultimatum_kind = {"ultimatum", "MCS Disconnect Provider Ultimatum without error info, then close",
                                 Hook::server_pdu | Hook::active_timer, {},
                                 "it rides on MCS: a phase from channel_connection on", &parse};

}  // namespace rdpfault::faults
