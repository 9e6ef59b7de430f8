#include "rdpfault/scenario/connect.hpp"

#include <array>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

namespace rdpfault {
namespace {

template <class E, std::size_t N>
constexpr std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, n] : table) {
    if (v == e) return n;
  }
  return "unknown";
}

template <class E, std::size_t N>
constexpr std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                                    std::string_view s) {
  for (const auto& [v, n] : table) {
    if (n == s) return v;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<SecurityProtocol, std::string_view>, 3> kSecurity{{
    {SecurityProtocol::rdp, "rdp"}, {SecurityProtocol::tls, "tls"}, {SecurityProtocol::nla, "nla"}}};
constexpr std::array<std::pair<CertPolicy, std::string_view>, 3> kCertPolicy{{
    {CertPolicy::trust_ca, "trust_ca"},
    {CertPolicy::reject_untrusted, "reject_untrusted"},
    {CertPolicy::accept_any, "accept_any"}}};
constexpr std::array<std::pair<Outcome, std::string_view>, 5> kOutcome{{
    {Outcome::connected, "connected"}, {Outcome::failed, "failed"},
    {Outcome::timed_out, "timed_out"}, {Outcome::crashed, "crashed"},
    {Outcome::disconnected, "disconnected"}}};
constexpr std::array<std::pair<CertReason, std::string_view>, 7> kCertReason{{
    {CertReason::none, "none"}, {CertReason::expired, "expired"},
    {CertReason::not_yet_valid, "not_yet_valid"}, {CertReason::self_signed, "self_signed"},
    {CertReason::unknown_ca, "unknown_ca"}, {CertReason::name_mismatch, "name_mismatch"},
    {CertReason::other, "other"}}};

template <class E, std::size_t N>
E parse_enum(const std::array<std::pair<E, std::string_view>, N>& table, const nlohmann::json& j,
             std::string_view what) {
  auto s = j.get<std::string>();
  if (auto v = value_of(table, s)) return *v;
  throw std::invalid_argument(std::string(what) + ": unknown value '" + s + "'");
}

Phase parse_phase(const nlohmann::json& j) {
  auto s = j.get<std::string>();
  if (auto p = phase_from_string(s)) return *p;
  throw std::invalid_argument("phase: unknown value '" + s + "'");
}

}  // namespace

std::string_view to_string(SecurityProtocol v) noexcept { return name_of(kSecurity, v); }
std::string_view to_string(CertPolicy v) noexcept { return name_of(kCertPolicy, v); }
std::string_view to_string(Outcome v) noexcept { return name_of(kOutcome, v); }
std::string_view to_string(CertReason v) noexcept { return name_of(kCertReason, v); }
std::optional<SecurityProtocol> security_protocol_from_string(std::string_view s) noexcept {
  return value_of(kSecurity, s);
}
std::optional<CertPolicy> cert_policy_from_string(std::string_view s) noexcept {
  return value_of(kCertPolicy, s);
}
std::optional<Outcome> outcome_from_string(std::string_view s) noexcept { return value_of(kOutcome, s); }
std::optional<CertReason> cert_reason_from_string(std::string_view s) noexcept {
  return value_of(kCertReason, s);
}

nlohmann::json to_json(const ConnectRequest& r, bool include_password) {
  nlohmann::json sec = nlohmann::json::array();
  for (auto p : r.security) sec.push_back(std::string(to_string(p)));
  nlohmann::json j = {
      {"host", r.host},
      {"port", r.port},
      {"security", sec},
      {"username", r.username},
      {"domain", r.domain},
      {"cert_policy", std::string(to_string(r.cert_policy))},
      {"ca_file", r.ca_file},
      {"cert_name", r.cert_name},
      {"host_map", r.host_map},
      {"timeout_ms", r.timeout_ms},
      {"tcp_connect_timeout_ms", r.tcp_connect_timeout_ms},
      {"activation_timeout_ms", r.activation_timeout_ms},
      {"wait_for_paint_ms", r.wait_for_paint_ms},
      {"stay_ms", r.stay_ms},
      {"auto_reconnect", r.auto_reconnect},
  };
  if (!r.config_dir.empty()) j["config_dir"] = r.config_dir;
  if (include_password) j["password"] = r.password;
  return j;
}

ConnectRequest connect_request_from_json(const nlohmann::json& j) {
  ConnectRequest r;
  r.host = j.at("host").get<std::string>();
  r.port = j.at("port").get<std::uint16_t>();
  r.security.clear();
  for (const auto& s : j.at("security")) r.security.push_back(parse_enum(kSecurity, s, "security"));
  r.username = j.value("username", "");
  r.domain = j.value("domain", "");
  r.password = j.value("password", "");
  r.cert_policy = parse_enum(kCertPolicy, j.at("cert_policy"), "cert_policy");
  r.ca_file = j.value("ca_file", "");
  r.cert_name = j.value("cert_name", "");
  if (j.contains("host_map")) r.host_map = j.at("host_map").get<std::map<std::string, std::string>>();
  r.timeout_ms = j.value("timeout_ms", r.timeout_ms);
  r.tcp_connect_timeout_ms = j.value("tcp_connect_timeout_ms", r.tcp_connect_timeout_ms);
  r.activation_timeout_ms = j.value("activation_timeout_ms", r.activation_timeout_ms);
  r.wait_for_paint_ms = j.value("wait_for_paint_ms", r.wait_for_paint_ms);
  r.stay_ms = j.value("stay_ms", r.stay_ms);
  r.auto_reconnect = j.value("auto_reconnect", r.auto_reconnect);
  r.config_dir = j.value("config_dir", "");
  return r;
}

nlohmann::json to_json(const ConnectResult& r) {
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& p : r.phases) phases.push_back({{"phase", std::string(to_string(p.phase))}, {"ms", p.ms}});
  nlohmann::json j = {
      {"outcome", std::string(to_string(r.outcome))},
      {"phase_reached", std::string(to_string(r.phase_reached))},
      {"freerdp_error", r.freerdp_error},
      {"freerdp_error_name", r.freerdp_error_name},
      {"freerdp_error_string", r.freerdp_error_string},
      {"server_error_info", r.server_error_info ? nlohmann::json(*r.server_error_info) : nlohmann::json()},
      {"server_error_info_name", r.server_error_info_name},
      {"cert_reason", std::string(to_string(r.cert_reason))},
      {"cert_detail", r.cert_detail},
      {"tls_error", r.tls_error},
      {"tcp_connections", r.tcp_connections},
      {"painted", r.painted},
      {"client", r.client},
      {"client_version", r.client_version},
      {"elapsed_ms", r.elapsed_ms},
      {"phases", phases},
      {"reconnects", r.reconnects},
      {"mstsc_code", r.mstsc_code},
      {"mstsc_extended", r.mstsc_extended},
      {"signal", r.signal},
      {"detail", r.detail},
      {"log", r.log},
  };
  return j;
}

ConnectResult connect_result_from_json(const nlohmann::json& j) {
  ConnectResult r;
  r.outcome = parse_enum(kOutcome, j.at("outcome"), "outcome");
  r.phase_reached = parse_phase(j.at("phase_reached"));
  r.freerdp_error = j.value("freerdp_error", 0u);
  r.freerdp_error_name = j.value("freerdp_error_name", "");
  r.freerdp_error_string = j.value("freerdp_error_string", "");
  if (j.contains("server_error_info") && !j.at("server_error_info").is_null()) {
    r.server_error_info = j.at("server_error_info").get<std::uint32_t>();
  }
  r.server_error_info_name = j.value("server_error_info_name", "");
  r.cert_reason = j.contains("cert_reason") ? parse_enum(kCertReason, j.at("cert_reason"), "cert_reason")
                                             : CertReason::none;
  r.cert_detail = j.value("cert_detail", "");
  r.tls_error = j.value("tls_error", "");
  r.tcp_connections = j.value("tcp_connections", 0);
  r.painted = j.value("painted", false);
  r.client = j.value("client", std::string());
  r.client_version = j.value("client_version", std::string());
  r.elapsed_ms = j.value("elapsed_ms", 0.0);
  if (j.contains("phases")) {
    for (const auto& p : j.at("phases")) r.phases.push_back({parse_phase(p.at("phase")), p.at("ms").get<double>()});
  }
  r.reconnects = j.value("reconnects", 0);
  r.mstsc_code = j.value("mstsc_code", 0u);
  r.mstsc_extended = j.value("mstsc_extended", 0u);
  r.signal = j.value("signal", 0);
  r.detail = j.value("detail", "");
  if (j.contains("log")) r.log = j.at("log").get<std::vector<std::string>>();
  return r;
}

std::pair<std::uint32_t, std::uint32_t> mstsc_equivalent(const ConnectResult& r) {
  const std::string& e = r.freerdp_error_name;
  const std::uint32_t ext = r.server_error_info.value_or(0);
  switch (r.outcome) {
    case Outcome::connected:
    case Outcome::crashed:
      return {0, 0};
    case Outcome::timed_out:
      return {0x108, 0};  // disconnectReasonConnectionTimedOut
    case Outcome::disconnected:
      if (ext != 0) return {0x3, ext};  // disconnectReasonByServer with the server's reason
      return {0x904, 0};                // socket closed
    case Outcome::failed:
      break;
  }
  if (ext >= 0x100 && ext <= 0x10A) return {0x808, ext};  // license negotiation failed
  // The server said why, then closed: the client sees the socket close (0x904) and reports
  // the server's reason as the extended code (ExtendedDisconnectReason == errorInfo).
  if (ext != 0) return {0x904, ext};
  if (e == "ERRCONNECT_DNS_NAME_NOT_FOUND" || e == "ERRCONNECT_DNS_ERROR") return {0x104, 0};
  if (e == "ERRCONNECT_CONNECT_FAILED") return {0x204, 0};  // connect timed out (SYN dropped)
  if (e == "ERRCONNECT_CONNECT_TRANSPORT_FAILED") {
    // The socket closed. During licensing mstsc calls it a licensing failure. (A refused
    // connection, 0x204, is told apart by the runner, which knows nothing accepted it.)
    if (r.phase_reached == Phase::licensing) return {0x808, 0};
    return {0x904, 0};
  }
  if (e == "ERRCONNECT_TLS_CONNECT_FAILED") {
    if (r.cert_reason == CertReason::expired) return {0x1B07, 0};  // SSL_ERR_CERT_EXPIRED
    if (r.cert_reason != CertReason::none) return {0x406, 0};      // security data not valid
    return {0x904, 0};  // handshake failed: "An internal error has occurred."
  }
  if (e == "ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED") return {0x904, 0x7};
  // NLA: the SSL_ERR_* family (§1.1), matched by name with the NTSTATUS FreeRDP saw (§2.4).
  static const std::pair<std::string_view, std::uint32_t> kNla[] = {
      {"ERRCONNECT_LOGON_FAILURE", 0x807},          {"ERRCONNECT_WRONG_PASSWORD", 0x807},
      {"ERRCONNECT_ACCOUNT_DISABLED", 0xB07},       {"ERRCONNECT_ACCOUNT_RESTRICTION", 0xC07},
      {"ERRCONNECT_ACCOUNT_LOCKED_OUT", 0xD07},     {"ERRCONNECT_ACCOUNT_EXPIRED", 0xE07},
      {"ERRCONNECT_PASSWORD_EXPIRED", 0xF07},       {"ERRCONNECT_PASSWORD_CERTAINLY_EXPIRED", 0xF07},
      {"ERRCONNECT_PASSWORD_MUST_CHANGE", 0x1207},  {"ERRCONNECT_LOGON_TYPE_NOT_GRANTED", 0x807},
      {"ERRCONNECT_ACCESS_DENIED", 0x807},          {"ERRCONNECT_AUTHENTICATION_FAILED", 0x807},
      {"ERRCONNECT_NO_OR_MISSING_CREDENTIALS", 0x807}};
  for (const auto& [name, code] : kNla) {
    if (e == name) return {code, 0};
  }
  if (e.empty() || e == "ERRCONNECT_SUCCESS" || e == "ERRBASE_SUCCESS") {
    // FreeRDP's own activation timeout: mstsc's connection timer (licensing has its own).
    return r.phase_reached == Phase::licensing ? std::pair{0x908u, 0u} : std::pair{0x108u, 0u};
  }
  return {0x904, 0};
}

}  // namespace rdpfault
