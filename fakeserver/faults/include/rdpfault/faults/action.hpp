#pragma once
/// What a point fault makes the server do. The session (fakeserver/src/session.cpp) executes
/// actions in one place, `Session::execute`; the acceptor emits them in its step output at
/// the server's PDUs, and the session asks for the others at its own hooks.
#include <cstdint>
#include <variant>

namespace rdpfault::faults {

/// Hold back what follows for `ms` (the client waits; the server reads nothing meanwhile).
struct Wait {
  int ms = 0;
};
/// End the connection: FIN (`rst` false) or RST (SO_LINGER 0). Nothing follows.
struct Close {
  bool rst = false;
};
/// Go silent: read and discard whatever the client sends until it leaves. Nothing follows.
struct Stall {};
/// [MS-RDPBCGR 2.2.5.1.1] Set Error Info PDU with `code`, then an MCS Disconnect Provider
/// Ultimatum (T.125 reason rn-provider-initiated).
struct SendErrorInfo {
  std::uint32_t code = 0;
};
/// An MCS Disconnect Provider Ultimatum alone.
struct SendUltimatum {};
/// [MS-RDPELE 2.2.2.7.1] Licensing Error Message with dwErrorCode and dwStateTransition.
struct SendLicenseError {
  std::uint32_t code = 0;
  std::uint32_t state = 1;
};
/// A fatal TLS alert with this description (RFC 8446 6), e.g. 80 internal_error.
struct SendTlsAlert {
  std::uint8_t description = 80;
};

using Action = std::variant<Wait, Close, Stall, SendErrorInfo, SendUltimatum, SendLicenseError, SendTlsAlert>;

/// True for actions after which the connection is over (nothing further is sent or fires).
constexpr bool is_terminal(const Action& a) noexcept {
  return std::holds_alternative<Close>(a) || std::holds_alternative<Stall>(a);
}

}  // namespace rdpfault::faults
