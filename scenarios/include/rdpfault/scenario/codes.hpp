#pragma once
/// The RDP error codes users meet, with what they mean, for `rdpfault explain`.
///
/// Summarised, with their sources, in docs/causes.md ("Codes in brief"): mstsc disconnect
/// reasons and extended reasons (Microsoft's IMsTscAxEvents::OnDisconnected and
/// ExtendedDisconnectReasonCode pages; messages as Remote Desktop Web Connection shows them),
/// MS-RDPBCGR 2.2.5.1.1 errorInfo codes, RDP_NEG_FAILURE codes (MS-RDPBCGR 2.2.1.2.2), licensing
/// error codes (MS-RDPBCGR 2.2.1.12.1.3), the NTSTATUS values NLA failures carry and FreeRDP
/// 2.x's connect-class errors.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rdpfault::codes {

enum class Kind { mstsc_disconnect, mstsc_extended, errinfo, neg_failure, license_error, ntstatus, freerdp_error };

std::string_view to_string(Kind) noexcept;

/// "0x904"; with `wide`, eight digits as FreeRDP prints LastError values ("0x00020008").
std::string hex(std::uint32_t value, bool wide = false);

struct CodeInfo {
  Kind kind;
  std::uint32_t value;       ///< For freerdp_error the whole LastError value, e.g. 0x00020008.
  std::string_view name;
  std::string_view meaning;
  std::string_view message;  ///< What the user sees, when the reference gives it; else empty.
};

std::span<const CodeInfo> all() noexcept;
const CodeInfo* find(Kind kind, std::uint32_t value) noexcept;
/// Case-insensitive exact name match across kinds.
const CodeInfo* find_name(std::string_view name) noexcept;

struct Query {
  std::vector<const CodeInfo*> matches;
  std::optional<std::uint32_t> disconnect;  ///< "0x904/0x7": 0x904
  std::optional<std::uint32_t> extended;    ///< "0x904/0x7": 0x7
  std::string error;                        ///< Set when the text is not understood.
};

/// Understands "0x904", "2308", "0x904/0x7", "0x904 0x7", "0x904,7" (disconnect code with an
/// extended code), names ("ERRCONNECT_TLS_CONNECT_FAILED", "ERRINFO_SERVER_DENIED_CONNECTION",
/// "STATUS_LOGON_FAILURE", "HYBRID_REQUIRED_BY_SERVER", "SSL_ERR_LOGON_FAILURE"), NTSTATUS values
/// ("0xC000006D") and FreeRDP LastError values ("0x00020008", "0x00010007"). A bare number
/// matches every kind that has that value.
Query parse_query(std::string_view text);

}  // namespace rdpfault::codes
