#pragma once
// Pure mappings from what FreeRDP says to rdpfault's vocabulary; unit-tested.
#include <optional>
#include <string_view>

#include "rdpfault/scenario/connect.hpp"

namespace rdpfault::client {

/// "CONNECTION_STATE_MCS_CONNECT" -> basic_settings_exchange. NEGO maps to nullopt: inside
/// NEGO the driver tells tcp_connect, connection_initiation and security_upgrade apart from
/// the nego log lines (see phase_from_nego_log). INITIAL (the reset after a failure) is nullopt.
std::optional<Phase> phase_from_state_name(std::string_view state);

/// com.freerdp.core.nego DEBUG lines: "RequestedProtocols: 3" -> connection_initiation (the
/// X.224 request is out); "nego_security_connect with PROTOCOL_SSL|HYBRID" -> security_upgrade.
std::optional<Phase> phase_from_nego_log(std::string_view text);

/// OpenSSL verify result code (X509_V_ERR_*) -> CertReason.
CertReason cert_reason_from_verify_code(int code);

/// Parses "Certificate verification failure 'certificate has expired (10)' at stack position 0"
/// -> {10, "certificate has expired (10)"}.
std::optional<std::pair<int, std::string>> parse_verify_failure(std::string_view text);

}  // namespace rdpfault::client
