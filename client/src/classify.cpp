#include "classify.hpp"

#include <string>

namespace rdpfault::client {

std::optional<Phase> phase_from_state_name(std::string_view s) {
  constexpr std::string_view kPrefix = "CONNECTION_STATE_";
  if (s.starts_with(kPrefix)) s.remove_prefix(kPrefix.size());
  if (s == "NLA") return Phase::credssp;
  if (s == "MCS_CONNECT") return Phase::basic_settings_exchange;
  if (s == "MCS_ERECT_DOMAIN" || s == "MCS_ATTACH_USER" || s == "MCS_CHANNEL_JOIN") return Phase::channel_connection;
  if (s == "RDP_SECURITY_COMMENCEMENT" || s == "SECURE_SETTINGS_EXCHANGE" || s == "CONNECT_TIME_AUTO_DETECT") {
    return Phase::secure_settings_exchange;
  }
  if (s == "LICENSING" || s == "MULTITRANSPORT_BOOTSTRAPPING") return Phase::licensing;
  if (s == "CAPABILITIES_EXCHANGE") return Phase::capabilities_exchange;
  if (s == "FINALIZATION") return Phase::finalization;
  if (s == "ACTIVE") return Phase::active;
  return std::nullopt;  // NEGO, INITIAL, unknown
}

std::optional<Phase> phase_from_nego_log(std::string_view text) {
  if (text.starts_with("RequestedProtocols:")) return Phase::connection_initiation;
  if (text.starts_with("nego_security_connect with PROTOCOL_SSL") ||
      text.starts_with("nego_security_connect with PROTOCOL_HYBRID")) {
    return Phase::security_upgrade;
  }
  return std::nullopt;
}

CertReason cert_reason_from_verify_code(int code) {
  switch (code) {
    case 0: return CertReason::none;
    case 10: return CertReason::expired;        // X509_V_ERR_CERT_HAS_EXPIRED
    case 9: return CertReason::not_yet_valid;   // X509_V_ERR_CERT_NOT_YET_VALID
    case 18:                                    // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    case 19: return CertReason::self_signed;    // X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
    case 2:                                     // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
    case 20:                                    // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    case 21: return CertReason::unknown_ca;     // X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
    case 62: return CertReason::name_mismatch;  // X509_V_ERR_HOSTNAME_MISMATCH
    default: return CertReason::other;
  }
}

std::optional<std::pair<int, std::string>> parse_verify_failure(std::string_view text) {
  constexpr std::string_view kMarker = "Certificate verification failure '";
  auto at = text.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(at + kMarker.size());
  auto end = rest.find('\'');
  if (end == std::string_view::npos) return std::nullopt;
  auto detail = rest.substr(0, end);
  auto open = detail.rfind('(');
  auto close = detail.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  int code = 0;
  for (char c : detail.substr(open + 1, close - open - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    code = code * 10 + (c - '0');
  }
  return std::make_pair(code, std::string(detail));
}

}  // namespace rdpfault::client
