#include "rdpfault/faults/fault.hpp"

#include <algorithm>

#include "rdpfault/faults/registry.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {

std::string_view to_string(Hook h) noexcept {
  switch (h) {
    case Hook::server_pdu: return "server_pdu";
    case Hook::tls_handshake: return "tls_handshake";
    case Hook::credssp_reply: return "credssp_reply";
    case Hook::active_timer: return "active_timer";
    case Hook::stream: return "stream";
  }
  return "?";
}

std::optional<Hook> point_hook_for(Phase phase) noexcept {
  switch (phase) {
    case Phase::connection_initiation:
    case Phase::basic_settings_exchange:
    case Phase::channel_connection:
    case Phase::licensing:
    case Phase::capabilities_exchange:
    case Phase::finalization: return Hook::server_pdu;
    case Phase::security_upgrade: return Hook::tls_handshake;
    case Phase::credssp: return Hook::credssp_reply;
    case Phase::active: return Hook::active_timer;
    case Phase::tcp_connect:
    case Phase::secure_settings_exchange: return std::nullopt;
  }
  return std::nullopt;
}

std::string_view to_string(Direction d) noexcept { return d == Direction::to_client ? "to_client" : "to_server"; }

std::string to_string(PhaseRange r) {
  if (r.exact()) return std::string(to_string(r.lo));
  return std::string(to_string(r.lo)) + ".." + std::string(to_string(r.hi));
}

namespace {
bool in_scope(const StreamScope& s, Phase p) noexcept {
  if (s.from) return ordinal(p) >= ordinal(*s.from);
  if (!s.during.empty()) return std::find(s.during.begin(), s.during.end(), p) != s.during.end();
  return true;
}
}  // namespace

bool StreamScope::covers(PhaseRange r) const noexcept {
  for (int p = ordinal(r.lo); p <= ordinal(r.hi); ++p) {
    if (!in_scope(*this, static_cast<Phase>(p))) return false;
  }
  return true;
}

bool StreamScope::touches(PhaseRange r) const noexcept {
  for (int p = ordinal(r.lo); p <= ordinal(r.hi); ++p) {
    if (in_scope(*this, static_cast<Phase>(p))) return true;
  }
  return false;
}

std::string StreamScope::to_string() const {
  if (from) return "from " + std::string(rdpfault::to_string(*from));
  if (during.empty()) return "every phase";
  std::string s = "during ";
  for (std::size_t i = 0; i < during.size(); ++i) s += (i ? ", " : "") + std::string(rdpfault::to_string(during[i]));
  return s;
}

std::unique_ptr<StreamUnit> Unit::stream(std::uint64_t) const { return nullptr; }

std::string_view Fault::name() const noexcept { return kind ? kind->name : "?"; }

nlohmann::json Fault::describe() const {
  nlohmann::json j = {{"kind", name()}};
  if (is_stream()) {
    if (where.directions.size() == 2) {
      j["direction"] = "both";
    } else if (!where.directions.empty()) {
      j["direction"] = to_string(where.directions.front());
    }
    if (where.scope.from) j["from"] = rdpfault::to_string(*where.scope.from);
    if (!where.scope.during.empty()) {
      auto d = nlohmann::json::array();
      for (Phase p : where.scope.during) d.push_back(rdpfault::to_string(p));
      j["during"] = d;
    }
  } else {
    j["phase"] = rdpfault::to_string(where.phase);
    if (where.hook == Hook::active_timer) j["after_ms"] = where.after_ms;
  }
  if (connections.first) j["connections"] = connections.first;
  if (connections.only) j["connection"] = connections.only;
  if (unit) j.update(unit->params());
  return j;
}

}  // namespace rdpfault::faults
