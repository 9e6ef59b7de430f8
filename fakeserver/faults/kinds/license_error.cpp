// license_error: instead of "valid client", the licensing phase ends with a Licensing Error
// Message ([MS-RDPELE 2.2.2.7.1] / [MS-RDPBCGR 2.2.1.12.1.3]) carrying dwErrorCode and
// dwStateTransition (no CAL available, no license server, a protocol abort), then closes.
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::faults {
namespace {

class LicenseError final : public Unit {
 public:
  LicenseError(std::uint32_t code, std::uint32_t state) : code_(code), state_(state) {}
  std::vector<Action> actions() const override { return {SendLicenseError{code_, state_}, faults::Close{false}}; }
  nlohmann::json params() const override { return {{"license_error", code_}, {"license_state", state_}}; }

 private:
  std::uint32_t code_, state_;
};

constexpr ParamDoc kParams[] = {
    {"license_error", "integer 1..0xFFFFFFFF", "dwErrorCode, e.g. 8 ERR_NO_LICENSE_SERVER, 7 ERR_NO_LICENSE (required)"},
    {"license_state", "integer 1..4", "dwStateTransition: 1 ST_TOTAL_ABORT (default), 2 ST_NO_TRANSITION, "
                                      "3 ST_RESET_PHASE_TO_START, 4 ST_RESEND_LAST_MESSAGE"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement& where) {
  if (where.phase != Phase::licensing) {
    p.error("phase", "license_error is only for the licensing phase");
    p.touch("license_error");
    p.touch("license_state");
    return nullptr;
  }
  auto code = p.required_integer("license_error", 1, 0xFFFFFFFF);
  const auto state = p.integer("license_state", 1, 4).value_or(1);
  if (!code || p.failed()) return nullptr;
  return std::make_shared<LicenseError>(static_cast<std::uint32_t>(*code), static_cast<std::uint32_t>(state));
}

}  // namespace

extern const KindInfo license_error_kind;
const KindInfo license_error_kind = {"license_error", "Licensing Error Message instead of a license, then close", only(Hook::server_pdu), kParams,
                                     "phase licensing only", &parse};

}  // namespace rdpfault::faults
