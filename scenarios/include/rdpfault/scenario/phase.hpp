#pragma once
/// The connection phases both sides of rdpfault talk about.
///
/// Spellings follow MS-RDPBCGR 1.3.1.1 (and IronRDP's acceptor), with two additions at the
/// ends: `tcp_connect` before the first byte, and `active` once the client is in the session.
/// Scenario files, the trace, the driver's JSON and the report all use these spellings.
#include <array>
#include <optional>
#include <string_view>

namespace rdpfault {

enum class Phase {
  tcp_connect,               ///< TCP SYN until the connection is established.
  connection_initiation,     ///< X.224 Connection Request / Confirm (RDP_NEG_REQ/RSP/FAILURE).
  security_upgrade,          ///< TLS handshake (and certificate verification on the client).
  credssp,                   ///< CredSSP / NLA (TSRequest exchange).
  basic_settings_exchange,   ///< MCS Connect-Initial / Connect-Response with GCC blocks.
  channel_connection,        ///< Erect Domain, Attach User, Channel Joins.
  secure_settings_exchange,  ///< Client Info PDU.
  licensing,                 ///< License PDUs.
  capabilities_exchange,     ///< Demand Active / Confirm Active.
  finalization,              ///< Synchronize, Control, Font List / Font Map.
  active,                    ///< The session is active: updates and input flow.
};

inline constexpr std::array<Phase, 11> kAllPhases = {
    Phase::tcp_connect,         Phase::connection_initiation,   Phase::security_upgrade,
    Phase::credssp,             Phase::basic_settings_exchange, Phase::channel_connection,
    Phase::secure_settings_exchange, Phase::licensing,          Phase::capabilities_exchange,
    Phase::finalization,        Phase::active};

constexpr std::string_view to_string(Phase p) noexcept {
  switch (p) {
    case Phase::tcp_connect: return "tcp_connect";
    case Phase::connection_initiation: return "connection_initiation";
    case Phase::security_upgrade: return "security_upgrade";
    case Phase::credssp: return "credssp";
    case Phase::basic_settings_exchange: return "basic_settings_exchange";
    case Phase::channel_connection: return "channel_connection";
    case Phase::secure_settings_exchange: return "secure_settings_exchange";
    case Phase::licensing: return "licensing";
    case Phase::capabilities_exchange: return "capabilities_exchange";
    case Phase::finalization: return "finalization";
    case Phase::active: return "active";
  }
  return "unknown";
}

constexpr std::optional<Phase> phase_from_string(std::string_view s) noexcept {
  for (Phase p : kAllPhases) {
    if (to_string(p) == s) return p;
  }
  return std::nullopt;
}

/// Position in the sequence, for "reached at least" comparisons.
constexpr int ordinal(Phase p) noexcept { return static_cast<int>(p); }

}  // namespace rdpfault
