#pragma once
/// The fault kinds: one entry per kind in src/registry.cpp (an explicit table, no static
/// self-registration), each defined in its own file under kinds/.
///
/// `parse_fault` reads the keys every fault shares (kind, phase, after_ms, direction, during,
/// from, connections, connection), checks that the kind can act there, and hands the rest to
/// the kind. `rdpfault faults` prints `describe_kinds()`.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rdpfault/faults/fault.hpp"
#include "rdpfault/faults/params.hpp"

namespace rdpfault::faults {

/// One parameter of a kind, for the generated documentation.
struct ParamDoc {
  std::string_view key;
  std::string_view type;  ///< "integer 1..600000 (ms)", "string", ...
  std::string_view doc;
};

struct KindInfo {
  std::string_view name;
  std::string_view summary;
  Hooks hooks = 0;  ///< Where the kind can act.
  std::span<const ParamDoc> params;
  /// A narrower rule than `hooks` says, for the listing ("phase from channel_connection on").
  std::string_view restriction;
  /// Reads the kind's own keys for a fault placed at `where` (already validated for the
  /// hook) and returns its unit, or reports through `p` and returns null.
  std::shared_ptr<const Unit> (*parse)(Params& p, const Placement& where) = nullptr;
};

/// Every kind, in the order `rdpfault faults` lists them.
std::span<const KindInfo* const> kinds() noexcept;
const KindInfo* find_kind(std::string_view name) noexcept;
/// The closest kind name to `name` (for did-you-mean), empty when nothing is close.
std::string closest_kind(std::string_view name);

/// Reads one fault. On any problem it reports through `p` and returns nullopt; keys left
/// unread are reported as unknown.
std::optional<Fault> parse_fault(Params& p);

/// Problems between the faults of one list (they are checked one by one by parse_fault):
/// a fault that can never fire because an earlier one at the same point always ends the
/// connection first. Each is {index of the fault, message}.
std::vector<std::pair<std::size_t, std::string>> check_fault_list(const std::vector<Fault>& faults);

/// Why a proxy (which follows only the X.224 exchange and the TLS framing) cannot apply `f`
/// as written, or nullopt when it can: a point fault needs the server; a stream scope that
/// splits the phases a proxy cannot tell apart inside TLS (credssp..active, or
/// basic_settings_exchange..active without NLA) would never, or wrongly, fire.
std::optional<std::string> proxy_cannot_apply(const Fault& f);

/// `KIND:key=value,...` from a command line, e.g. "latency:direction=both,latency_ms=300".
struct SpecResult {
  std::optional<Fault> fault;
  std::vector<SpecProblem> problems;
};
SpecResult parse_fault_spec(std::string_view spec);

/// Plain-text reference of every kind: where it acts, its keys, the shared keys.
std::string describe_kinds();
/// The same as JSON: [{name, summary, where: [...], params: [{key, type, doc}]}, ...].
nlohmann::json kinds_json();

}  // namespace rdpfault::faults
