#pragma once
/// What the harness asks of a client driver run, and what the driver reports back.
///
/// This is the whole contract between `client/` and the rest of rdpfault: the driver process
/// reads one ConnectRequest as JSON on stdin and writes ConnectResult JSON on stdout. Neither
/// side knows anything else about the other.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rdpfault/scenario/phase.hpp"

namespace rdpfault {

/// Security protocols a client may enable ([MS-RDPBCGR 2.2.1.1.1] requestedProtocols).
enum class SecurityProtocol { rdp, tls, nla };

/// How the client treats the server certificate.
enum class CertPolicy {
  trust_ca,          ///< Trust exactly the CA in `ca_file` (plus nothing else); reject anything else.
  reject_untrusted,  ///< Trust nothing but the system store; reject anything unverified.
  accept_any,        ///< Accept whatever the server presents (the reason is still reported).
};

enum class Outcome {
  connected,  ///< The client reached the active session.
  failed,     ///< The client gave up with an error before the active session.
  timed_out,  ///< The run's deadline fired before the client finished.
  crashed,    ///< The driver process died (signal or unexpected exit).
  /// The client reached the active session and the server ended it while the client stayed
  /// (ConnectRequest::stay_ms); phase_reached is active.
  disconnected,
};

/// Why a certificate was rejected (or would have been, under accept_any).
enum class CertReason { none, expired, not_yet_valid, self_signed, unknown_ca, name_mismatch, other };

struct ConnectRequest {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3389;
  std::vector<SecurityProtocol> security = {SecurityProtocol::tls, SecurityProtocol::nla,
                                            SecurityProtocol::rdp};
  std::string username;
  std::string domain;
  std::string password;  ///< Sent to the driver over a pipe only; never logged or reported.
  CertPolicy cert_policy = CertPolicy::reject_untrusted;
  std::string ca_file;    ///< PEM file of the CA to trust (cert_policy == trust_ca).
  std::string cert_name;  ///< Name to check the certificate against; empty = host.
  /// Host-to-address mapping applied inside the driver, so no system file is touched.
  std::map<std::string, std::string> host_map;
  int timeout_ms = 20000;              ///< The run's hard deadline, covering every phase.
  int tcp_connect_timeout_ms = 5000;   ///< FreeRDP TcpConnectTimeout.
  int activation_timeout_ms = 9000;    ///< FreeRDP TcpAckTimeout: from negotiation to active.
  int wait_for_paint_ms = 2000;        ///< After connecting, wait this long for a first update.
  /// After connecting, stay in the session this long; a server-side end is `disconnected`.
  int stay_ms = 0;
  /// When the session drops while staying, reconnect (FreeRDP's freerdp_reconnect), up to 3 times.
  bool auto_reconnect = false;
  /// The client's private configuration directory (HOME, known_hosts2, the trusted CA), made
  /// and removed by the parent (client::run_driver) so nothing is left when the driver is
  /// killed. Empty: the driver makes and removes its own.
  std::string config_dir;
};

struct PhaseTiming {
  Phase phase;
  double ms;  ///< Time spent in this phase.
};

struct ConnectResult {
  Outcome outcome = Outcome::failed;
  Phase phase_reached = Phase::tcp_connect;  ///< The last phase the client entered.
  std::uint32_t freerdp_error = 0;           ///< freerdp_get_last_error().
  std::string freerdp_error_name;            ///< freerdp_get_last_error_name().
  std::string freerdp_error_string;          ///< freerdp_get_last_error_string().
  std::optional<std::uint32_t> server_error_info;  ///< From a Set Error Info PDU, if any.
  std::string server_error_info_name;
  CertReason cert_reason = CertReason::none;
  std::string cert_detail;      ///< The verifier's own text, e.g. "certificate has expired (10)".
  std::string tls_error;        ///< OpenSSL's error queue after a failed handshake.
  int tcp_connections = 0;      ///< TCP connections the client opened (it reconnects on its own).
  bool painted = false;         ///< A graphics update arrived in the active session.
  double elapsed_ms = 0;
  std::vector<PhaseTiming> phases;
  int reconnects = 0;           ///< Successful automatic reconnections while staying.
  /// What mstsc would report for the same failure (discReason, ExtendedDisconnectReason); 0 when
  /// connected. See mstsc_equivalent().
  std::uint32_t mstsc_code = 0;
  std::uint32_t mstsc_extended = 0;
  int signal = 0;               ///< The signal that ended the driver, when outcome == crashed.
  std::string detail;           ///< One human line: what happened, in the driver's words.
  std::vector<std::string> log; ///< Selected FreeRDP WLog lines (warnings and errors), bounded.
  std::string client;           ///< Which client ran: "freerdp-lib" for the library driver.
  std::string client_version;   ///< Its version as it reports it (freerdp_get_version_string()).
};

/// The mstsc disconnect code (and extended code) for a result, by the mapping documented in
/// docs/causes.md ("mstsc-equivalent codes"): socket connect failed 0x204, DNS 0x104,
/// socket closed 0x904, timeouts 0x108, licensing 0x808, security errors 0x406/0x904, server
/// error info in the extended code (it equals the ExtendedDisconnectReason values).
/// Inferred for most causes: mstsc itself is not run.
std::pair<std::uint32_t, std::uint32_t> mstsc_equivalent(const ConnectResult&);

std::string_view to_string(SecurityProtocol) noexcept;
std::string_view to_string(CertPolicy) noexcept;
std::string_view to_string(Outcome) noexcept;
std::string_view to_string(CertReason) noexcept;
std::optional<SecurityProtocol> security_protocol_from_string(std::string_view) noexcept;
std::optional<CertPolicy> cert_policy_from_string(std::string_view) noexcept;
std::optional<Outcome> outcome_from_string(std::string_view) noexcept;
std::optional<CertReason> cert_reason_from_string(std::string_view) noexcept;

/// JSON forms. `include_password` is true only for the driver's stdin pipe.
nlohmann::json to_json(const ConnectRequest&, bool include_password);
ConnectRequest connect_request_from_json(const nlohmann::json&);  // throws nlohmann::json::exception
nlohmann::json to_json(const ConnectResult&);
ConnectResult connect_result_from_json(const nlohmann::json&);    // throws nlohmann::json::exception

}  // namespace rdpfault
