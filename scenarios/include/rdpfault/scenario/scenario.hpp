#pragma once
/// A scenario as data: one real-world cause, the broken server (or network, or client) that
/// reproduces it, the symptom a client shows, the documented fix and the result after it.
///
/// Scenario files are TOML (see scenarios/README.md for the schema); `load_scenario` turns one
/// into this struct or into diagnostics that name file:line:col. Both the harness (which runs
/// them) and the documentation generator read only this struct.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rdpfault/faults/fault.hpp"
#include "rdpfault/scenario/connect.hpp"
#include "rdpfault/scenario/phase.hpp"

namespace rdpfault::scenario {

inline constexpr int kSchemaVersion = 1;

/// Whether and how the server can be reached on the port the client uses.
enum class Reachability {
  listening,   ///< The fake server listens on the port.
  closed,      ///< Nothing listens: the port is bound but not listening, so the kernel answers RST.
  other_port,  ///< The server listens on another port; the client's port is closed (not forwarded).
  filtered,    ///< SYNs are dropped: a listener whose accept queue is full and that never accepts.
};

/// The certificate the server presents.
enum class CertificateKind { valid, expired, not_yet_valid, self_signed, unknown_ca, name_mismatch, none };

enum class TlsVersion { tls1_0, tls1_1, tls1_2, tls1_3 };

/// What a domain controller would say about an account, beyond its password.
enum class AccountState {
  active,
  locked_out,              ///< STATUS_ACCOUNT_LOCKED_OUT 0xC0000234
  disabled,                ///< STATUS_ACCOUNT_DISABLED 0xC0000072
  expired,                 ///< STATUS_ACCOUNT_EXPIRED 0xC0000193
  password_expired,        ///< STATUS_PASSWORD_EXPIRED 0xC0000071
  must_change_password,    ///< STATUS_PASSWORD_MUST_CHANGE 0xC0000224
  logon_type_not_granted,  ///< STATUS_LOGON_TYPE_NOT_GRANTED 0xC000015B
  account_restriction,     ///< STATUS_ACCOUNT_RESTRICTION 0xC000006E
  access_denied,           ///< STATUS_ACCESS_DENIED 0xC0000022
  invalid_logon_hours,     ///< STATUS_INVALID_LOGON_HOURS 0xC000006F (FreeRDP 2.11 has no mapping for it)
};

/// The NTSTATUS Windows sends in the CredSSP errorCode for an account in `state` whose
/// password was right (0 for active). A wrong password is STATUS_LOGON_FAILURE 0xC000006D.
std::uint32_t ntstatus_for(AccountState state) noexcept;
inline constexpr std::uint32_t kStatusLogonFailure = 0xC000006D;

/// An account the fake server authenticates with NLA. The password stays in memory: it is
/// never traced, logged or reported.
struct Account {
  std::string user;
  std::string domain;  ///< Empty matches any domain the client sends.
  std::string password;
  AccountState state = AccountState::active;
};

struct ServerSpec {
  Reachability reachability = Reachability::listening;
  /// A TCP forwarder from the client's port to the server's (the fix for other_port).
  bool forward = false;
  std::vector<SecurityProtocol> security = {SecurityProtocol::rdp, SecurityProtocol::tls};
  /// Forces RDP_NEG_FAILURE with this code on every Connection Request (0 = none).
  std::uint32_t negotiation_failure = 0;
  /// Forces the selected protocol, whatever the client offered.
  std::optional<SecurityProtocol> select_protocol;
  CertificateKind certificate = CertificateKind::valid;
  TlsVersion tls_min = TlsVersion::tls1_2;
  TlsVersion tls_max = TlsVersion::tls1_3;
  int max_sessions = 0;  ///< Logons beyond this many active sessions get ERRINFO 0x7; 0 = no limit.
  /// Another client holds this many sessions when the tested client connects.
  int held_sessions = 0;
  /// A new logon of a user ends the user's older session with ERRINFO 0x5.
  bool single_session_per_user = false;
  /// Accounts for NLA. A server with accounts offers NLA unless `security` says otherwise.
  std::vector<Account> accounts;
  /// The TSRequest version the server answers in (2-6). Below 5 the public key is bound with
  /// the "echo" method, from 5 on with the nonce hash; below 3 errorCode is not sent.
  int credssp_version = 6;
  /// Deviations, in file order ([[server.faults]]): each kind is a unit of rdpfault::faults,
  /// parsed by the kind itself from its table.
  std::vector<faults::Fault> faults;
  /// Where the stream faults (network conditions) sit: in the server itself, or in an
  /// rdpfault proxy on the path between the client and the server, which sees only the X.224
  /// exchange and the TLS framing (its scopes must not need phases inside TLS).
  enum class NetworkAt { server, proxy } network_at = NetworkAt::server;
};

/// How the client's host name resolves (the driver maps it; no system file is touched).
enum class Resolution {
  address,       ///< `host` is the loopback address itself.
  server,        ///< The name resolves to this scenario's server.
  other_server,  ///< A stale record: the name reaches another server, whose certificate names another host.
  none,          ///< The name does not resolve.
};

struct ClientSpec {
  std::string host = "127.0.0.1";
  Resolution resolution = Resolution::address;
  std::vector<SecurityProtocol> security = {SecurityProtocol::nla, SecurityProtocol::tls, SecurityProtocol::rdp};
  CertPolicy certificates = CertPolicy::trust_ca;
  std::string user = "alice";
  std::string domain;
  std::string password;  ///< Sent to the driver over a pipe only; never reported.
  int timeout_ms = 10000;             ///< The harness's deadline for the run.
  int tcp_connect_timeout_ms = 15000; ///< FreeRDP TcpConnectTimeout (its default).
  int activation_timeout_ms = 9000;   ///< FreeRDP TcpAckTimeout (its default).
  int stay_ms = 0;                    ///< Stay this long in the active session.
  bool auto_reconnect = false;
  /// Once this client is active, another client logs on as the same user.
  bool second_client = false;
};

/// What mstsc shows for this cause (documented or inferred, as docs/causes.md explains).
struct MstscSymptom {
  std::uint32_t code = 0;      ///< discReason.
  std::uint32_t extended = 0;  ///< ExtendedDisconnectReason.
  std::string message;
  bool documented = false;     ///< A source shows this for this cause; false = inferred.
};

struct Expectation {
  Outcome outcome = Outcome::connected;
  Phase phase = Phase::active;
  std::optional<std::string> freerdp_error;
  std::optional<std::uint32_t> error_info;
  std::optional<CertReason> certificate;
  std::optional<int> tcp_connections;
  std::optional<MstscSymptom> mstsc;
  /// The client spent at least this long in each listed phase (summed over reconnections):
  /// how a slow link shows in a run that still connects.
  std::vector<std::pair<Phase, int>> phase_ms_at_least;
};

struct Scenario {
  int schema = kSchemaVersion;
  /// Seeds every random choice of the run's faults (jitter, slice sizes); a run's --seed
  /// overrides it. Unset: the runner picks one and reports it.
  std::optional<std::uint64_t> seed;
  std::string name;
  std::string summary;
  std::string cause;
  Phase phase = Phase::tcp_connect;
  std::vector<std::string> references;
  ServerSpec server;
  ClientSpec client;
  Expectation expect;
  std::string fix;  ///< The documented fix, in the words an admin or user acts on.
  ServerSpec fixed_server;
  ClientSpec fixed_client;
  Expectation expect_after_fix;
  std::string file;  ///< Where it was loaded from.
};

/// One problem in a scenario file.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string to_string() const;  ///< "file:line:col: message"
};

struct LoadResult {
  std::optional<Scenario> scenario;  ///< Set only when there are no diagnostics.
  std::vector<Diagnostic> diagnostics;
};

/// Parses and validates one scenario. `file` names it in diagnostics; `expected_name` (the
/// file's stem) and `expected_phase` (its directory), when given, must match the content.
LoadResult parse_scenario(std::string_view toml_text, std::string file,
                          std::optional<std::string> expected_name = std::nullopt,
                          std::optional<std::string> expected_phase = std::nullopt);
/// The largest scenario file load_scenario reads (the catalog's are under 4 KiB).
inline constexpr std::uint64_t kMaxScenarioFileBytes = 1024 * 1024;

/// Reads `path` and parses it; the name must equal the file's stem, and when the parent
/// directory is a phase name, the phase must equal it. Only a regular file of at most
/// kMaxScenarioFileBytes is read: anything else (a directory, a FIFO, a device, a bigger
/// file) is one diagnostic saying what it is.
LoadResult load_scenario(const std::string& path);

struct Catalog {
  std::vector<Scenario> scenarios;  ///< Sorted by phase, then name.
  std::vector<Diagnostic> diagnostics;
};
/// Every *.toml under `dir`, recursively. Duplicate names are diagnostics; so is a *.toml
/// that is not a regular file.
Catalog load_catalog(const std::string& dir);
/// Every *.toml under each of `dirs`, as one catalog: a name found in two places is a
/// diagnostic naming both files (the first one found is kept).
Catalog load_catalogs(const std::vector<std::string>& dirs);

std::string_view to_string(Reachability) noexcept;
std::string_view to_string(CertificateKind) noexcept;
std::string_view to_string(TlsVersion) noexcept;
std::string_view to_string(Resolution) noexcept;
std::string_view to_string(AccountState) noexcept;

/// The waits of a run the client causes or its expectation says will expire: the stay in a
/// session, the timeouts it waits out (harness deadline, FreeRDP's TCP connect and
/// activation timeouts). `server_held_ms` is what the server's faults really held the run
/// (the trace's `held_ms`, delays and network conditions that fired); the result is the
/// run's deliberate wait, for the catalog benchmark.
int deliberate_wait_ms(const ServerSpec&, const ClientSpec&, const Expectation&, int server_held_ms);

}  // namespace rdpfault::scenario
