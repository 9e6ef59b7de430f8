// error_info: the server refuses or ends the session with a Set Error Info PDU
// ([MS-RDPBCGR 2.2.5.1.1], errorInfo from 2.2.5.1.1's list) followed by an MCS Disconnect
// Provider Ultimatum, then closes: "the server denied the connection (0x7)", idle timeout
// (0x3), logon timeout (0x4), an administrator's disconnect (0x1)...
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::faults {
namespace {

class ErrorInfo final : public Unit {
 public:
  explicit ErrorInfo(std::uint32_t code) : code_(code) {}
  std::vector<Action> actions() const override { return {SendErrorInfo{code_}, faults::Close{false}}; }
  nlohmann::json params() const override { return {{"error_info", code_}}; }

 private:
  std::uint32_t code_;
};

constexpr ParamDoc kParams[] = {
    {"error_info", "integer 1..0xFFFFFFFF", "the errorInfo code ([MS-RDPBCGR 2.2.5.1.1]; `rdpfault explain` knows them)"}};

std::shared_ptr<const Unit> parse(Params& p, const Placement& where) {
  if (where.hook == Hook::server_pdu && ordinal(where.phase) < ordinal(Phase::channel_connection)) {
    p.error("phase", "error_info rides on MCS and needs a phase from channel_connection on");
    p.touch("error_info");
    return nullptr;
  }
  auto code = p.required_integer("error_info", 1, 0xFFFFFFFF);
  if (!code) return nullptr;
  return std::make_shared<ErrorInfo>(static_cast<std::uint32_t>(*code));
}

}  // namespace

extern const KindInfo error_info_kind;
const KindInfo error_info_kind = {"error_info", "Set Error Info PDU, Disconnect Provider Ultimatum, close",
                                  Hook::server_pdu | Hook::active_timer, kParams,
                                  "it rides on MCS: a phase from channel_connection on", &parse};

}  // namespace rdpfault::faults
