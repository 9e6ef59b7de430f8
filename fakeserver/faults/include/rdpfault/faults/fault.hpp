#pragma once
/// A fault: one deviation from a healthy server or network, as a scenario file states it.
///
/// Every fault has a kind (one file in fakeserver/faults/kinds/, listed in registry.cpp), a
/// placement (where it acts) and the kind's own typed parameters (its `Unit`). Faults are
/// immutable once parsed: a ServerSpec and its fix share them, and each connection keeps its
/// own state (which faults have fired, the stream units' counters) in a `ConnectionFaults`.
///
/// Where a fault can act (`Hook`), and what `phase` means there:
///   server_pdu     before the server's first PDU of `phase` (X.224 Connection Confirm, MCS
///                  Connect-Response, Attach User Confirm, the licensing PDU, Demand Active,
///                  Synchronize): connection_initiation, basic_settings_exchange,
///                  channel_connection, licensing, capabilities_exchange, finalization
///   tls_handshake  before the TLS handshake starts (phase security_upgrade)
///   credssp_reply  before the server's first CredSSP answer, the NTLM CHALLENGE (phase credssp)
///   active_timer   `after_ms` into the active session (phase active)
///   stream         on the bytes of a direction, below TLS, while the connection is in a
///                  scope of phases (`during` / `from`): the network conditions
///
/// Invariant: nothing here does I/O or reads a clock; time comes in as arguments.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/faults/action.hpp"
#include "rdpfault/scenario/phase.hpp"

namespace rdpfault::faults {

struct KindInfo;
class StreamUnit;

enum class Hook : std::uint8_t {
  server_pdu = 1,
  tls_handshake = 2,
  credssp_reply = 4,
  active_timer = 8,
  stream = 16,
};
/// A set of hooks (bit mask of Hook values): where a kind can act.
using Hooks = std::uint8_t;
constexpr Hooks operator|(Hook a, Hook b) noexcept { return static_cast<Hooks>(static_cast<Hooks>(a) | static_cast<Hooks>(b)); }
constexpr Hooks operator|(Hooks a, Hook b) noexcept { return static_cast<Hooks>(a | static_cast<Hooks>(b)); }
constexpr Hooks only(Hook h) noexcept { return static_cast<Hooks>(h); }
constexpr bool has_hook(Hooks set, Hook h) noexcept { return (set & static_cast<Hooks>(h)) != 0; }
/// The hooks a point fault may use (everything but the stream).
inline constexpr Hooks kPointHooks = Hook::server_pdu | Hook::tls_handshake | Hook::credssp_reply | Hook::active_timer;

std::string_view to_string(Hook) noexcept;
/// The point hook a `phase` names; nullopt for tcp_connect and secure_settings_exchange,
/// where the server sends nothing a fault could replace.
std::optional<Hook> point_hook_for(Phase phase) noexcept;

/// The two directions of a connection's byte stream.
enum class Direction : std::uint8_t { to_client, to_server };
std::string_view to_string(Direction) noexcept;

/// A range of phases, both ends included. The fake server always knows its exact phase
/// (lo == hi); a proxy inside TLS knows only that the connection is past the handshake.
struct PhaseRange {
  Phase lo = Phase::tcp_connect;
  Phase hi = Phase::tcp_connect;
  static constexpr PhaseRange exactly(Phase p) noexcept { return {p, p}; }
  bool exact() const noexcept { return lo == hi; }
  friend bool operator==(const PhaseRange&, const PhaseRange&) = default;
};
/// "security_upgrade" or "credssp..active".
std::string to_string(PhaseRange);

/// The phases in which a stream fault acts: every phase (both empty), the listed ones
/// (`during`), or from one on (`from`).
struct StreamScope {
  std::vector<Phase> during;
  std::optional<Phase> from;
  /// True when every phase of `r` is in scope (so a proxy that cannot tell the phases
  /// inside TLS apart never applies a fault to a phase it was not asked to).
  bool covers(PhaseRange r) const noexcept;
  /// True when some phase of `r` is in scope.
  bool touches(PhaseRange r) const noexcept;
  bool everywhere() const noexcept { return during.empty() && !from; }
  std::string to_string() const;  ///< "every phase", "during security_upgrade, credssp", "from active"
};

/// Where one fault acts.
struct Placement {
  Hook hook = Hook::server_pdu;
  Phase phase = Phase::connection_initiation;  ///< Point hooks.
  int after_ms = 0;                            ///< active_timer.
  std::vector<Direction> directions;           ///< stream: one or both.
  StreamScope scope;                           ///< stream.
};

/// Which of a server's connections (numbered from 1 as accepted) a fault applies to.
struct Connections {
  int first = 0;  ///< The first N connections (0: no limit).
  int only = 0;   ///< Only connection N (0: any).
  bool matches(std::uint64_t n) const noexcept {
    return (first == 0 || n <= static_cast<std::uint64_t>(first)) && (only == 0 || n == static_cast<std::uint64_t>(only));
  }
  bool all() const noexcept { return first == 0 && only == 0; }
};

/// A kind's typed parameters and behaviour. Implementations live one per file in
/// fakeserver/faults/kinds/; they are immutable and shared.
class Unit {
 public:
  virtual ~Unit() = default;
  /// Point hooks: what the session does at the fault's point, in order.
  virtual std::vector<Action> actions() const { return {}; }
  /// Stream hook: a fresh transform for one direction of one connection. `seed` is already
  /// mixed with the connection number, the direction and the fault's index.
  virtual std::unique_ptr<StreamUnit> stream(std::uint64_t seed) const;
  /// The kind's own parameters, as written (for the trace, reports and `rdpfault faults`).
  virtual nlohmann::json params() const = 0;
};

/// One parsed fault.
struct Fault {
  const KindInfo* kind = nullptr;
  Placement where;
  Connections connections;
  std::shared_ptr<const Unit> unit;

  std::string_view name() const noexcept;
  bool is_stream() const noexcept { return where.hook == Hook::stream; }
  /// {"kind", "phase" | "direction"+"scope", "after_ms"?, "connections"?, ...params}
  nlohmann::json describe() const;
};

}  // namespace rdpfault::faults
