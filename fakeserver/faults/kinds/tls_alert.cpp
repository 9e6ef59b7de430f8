// tls_alert: instead of its CredSSP answer the server sends a fatal TLS alert (RFC 8446 6;
// default 80 internal_error, which FreeRDP 2.11 reports as ERRCONNECT_PASSWORD_CERTAINLY_EXPIRED)
// and closes. The record is sealed by TlsTransport::send_fatal_alert (TLS 1.3 only).
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::faults {
namespace {

class TlsAlert final : public Unit {
 public:
  explicit TlsAlert(std::uint8_t d) : description_(d) {}
  std::vector<Action> actions() const override { return {SendTlsAlert{description_}, faults::Close{false}}; }
  nlohmann::json params() const override { return {{"description", description_}}; }

 private:
  std::uint8_t description_;
};

constexpr ParamDoc kParams[] = {
    {"description", "integer 0..255", "the alert (RFC 8446 6): 80 internal_error (default), 40 handshake_failure, ..."}};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  const auto d = p.integer("description", 0, 255).value_or(80);
  if (p.failed()) return nullptr;
  return std::make_shared<TlsAlert>(static_cast<std::uint8_t>(d));
}

}  // namespace

extern const KindInfo tls_alert_kind;
const KindInfo tls_alert_kind = {"tls_alert", "a fatal TLS alert instead of the CredSSP answer (TLS 1.3)", only(Hook::credssp_reply), kParams, {}, &parse};

}  // namespace rdpfault::faults
