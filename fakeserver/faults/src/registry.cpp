// The table of fault kinds, and the keys every fault shares.
//
// Adding a kind: write kinds/<kind>.cpp defining `const KindInfo <kind>_kind`, add it to the
// two lists below (its declaration and its table entry), add the file to CMakeLists.txt, and
// write tests/unit/faults/<kind>_test.cpp. Nothing else changes: the loader, `serve --fault`,
// `proxy --fault`, `rdpfault faults` and the session all go through this table.
#include "rdpfault/faults/registry.hpp"

#include <algorithm>
#include <array>
#include <sstream>

#include "rdpfault/scenario/spelling.hpp"

namespace rdpfault::faults {

// One line per kind; each is defined in kinds/<name>.cpp.
extern const KindInfo close_kind, reset_kind, stall_kind, delay_kind, error_info_kind, ultimatum_kind,
    license_error_kind, tls_alert_kind, latency_kind, bandwidth_kind, slicer_kind, slow_close_kind,
    mtu_blackhole_kind;

namespace {

const std::array<const KindInfo*, 13> kKinds = {
    &close_kind,      &reset_kind,     &stall_kind,  &delay_kind,      &error_info_kind,
    &ultimatum_kind,  &license_error_kind, &tls_alert_kind, &latency_kind, &bandwidth_kind,
    &slicer_kind,     &slow_close_kind, &mtu_blackhole_kind,
};


std::string hooks_text(Hooks h) {
  std::string s;
  auto add = [&](Hook x, std::string_view what) {
    if (has_hook(h, x)) s += (s.empty() ? "" : "; ") + std::string(what);
  };
  add(Hook::server_pdu, "before the server's first PDU of a phase (phase = connection_initiation, "
                        "basic_settings_exchange, channel_connection, licensing, capabilities_exchange, finalization)");
  add(Hook::tls_handshake, "before the TLS handshake (phase = security_upgrade)");
  add(Hook::credssp_reply, "before the server's first CredSSP answer (phase = credssp)");
  add(Hook::active_timer, "after_ms into the active session (phase = active)");
  add(Hook::stream, "on the byte stream (direction, during / from)");
  return s;
}

std::optional<Phase> read_phase(Params& p, std::string_view key, const std::string& value) {
  if (auto ph = phase_from_string(value)) return ph;
  std::string all;
  for (Phase x : kAllPhases) all += (all.empty() ? "" : ", ") + std::string(to_string(x));
  p.error(key, "unknown phase '" + value + "' (expected one of: " + all + ")");
  return std::nullopt;
}

bool read_stream_placement(Params& p, Placement& w) {
  w.hook = Hook::stream;
  auto dir = p.choice("direction", {"to_client", "to_server", "both"});
  if (!dir) return false;
  if (*dir == "both") {
    w.directions = {Direction::to_client, Direction::to_server};
  } else {
    w.directions = {*dir == "to_client" ? Direction::to_client : Direction::to_server};
  }
  if (p.has("during") && p.has("from")) {
    p.touch("during");
    p.touch("from");
    p.error("from", "give either 'during' (a list of phases) or 'from' (a phase on), not both");
    return false;
  }
  bool ok = true;
  if (auto during = p.texts("during")) {
    if (during->empty()) {
      p.error("during", "needs at least one phase (leave it out for every phase)");
      ok = false;
    }
    for (const auto& s : *during) {
      auto ph = read_phase(p, "during", s);
      if (!ph) {
        ok = false;
        continue;
      }
      if (*ph == Phase::tcp_connect) {
        p.error("during", "no bytes flow in tcp_connect (use server.reachability)");
        ok = false;
      } else if (std::find(w.scope.during.begin(), w.scope.during.end(), *ph) != w.scope.during.end()) {
        p.error("during", "'" + s + "' is listed twice");
        ok = false;
      }
      w.scope.during.push_back(*ph);
    }
  }
  if (auto from = p.text("from")) {
    auto ph = read_phase(p, "from", *from);
    if (!ph) return false;
    w.scope.from = *ph;
  }
  p.forbid({"phase"}, "faults at the server's PDUs; a stream fault is scoped with 'during' or 'from'");
  return ok;
}

bool read_point_placement(Params& p, const KindInfo& kind, Placement& w) {
  if (!p.has("phase")) {
    if (has_hook(kind.hooks, Hook::stream)) {
      p.error("", "missing 'phase' (where the server misbehaves) or 'direction' (to act on the byte stream)");
    } else {
      p.error("", "missing 'phase'");
    }
    return false;
  }
  auto s = p.text("phase");
  auto phase = read_phase(p, "phase", *s);
  if (!phase) return false;
  w.phase = *phase;
  auto hook = point_hook_for(*phase);
  if (!hook) {
    p.error("phase", *phase == Phase::tcp_connect
                         ? "no server fault can happen in tcp_connect (use server.reachability)"
                         : "the server sends nothing in secure_settings_exchange; put the fault in licensing");
    return false;
  }
  w.hook = *hook;
  if (!has_hook(kind.hooks, *hook)) {
    p.error("phase", "kind '" + std::string(kind.name) + "' cannot act in " + std::string(to_string(*phase)) +
                         "; it acts " + hooks_text(kind.hooks));
    return false;
  }
  if (*hook == Hook::active_timer) {
    auto after = p.required_integer("after_ms", 0, 86'400'000);
    if (!after) return false;
    w.after_ms = static_cast<int>(*after);
  } else {
    p.forbid({"after_ms"}, "faults in the active phase (or stream faults)");
  }
  p.forbid({"during", "from"}, "stream faults (with 'direction')");
  return true;
}

}  // namespace

namespace {
constexpr std::array<ParamDoc, 8> kShared = {{
    {"kind", "string", "the fault kind (this list)"},
    {"phase", "phase", "point faults: where the server misbehaves (see each kind)"},
    {"after_ms", "integer 0..86400000 (ms)", "point faults in the active phase: when, counted from the active session"},
    {"direction", "to_client | to_server | both", "stream faults: which way the bytes flow"},
    {"during", "array of phases", "stream faults: act only in these phases (default: every phase)"},
    {"from", "phase", "stream faults: act from this phase on"},
    {"connections", "integer 0..1000", "only the first N connections the server accepts (0: all)"},
    {"connection", "integer 1..1000", "only the Nth connection"},
}};
}  // namespace

std::span<const KindInfo* const> kinds() noexcept { return kKinds; }

const KindInfo* find_kind(std::string_view name) noexcept {
  for (const auto* k : kKinds) {
    if (k->name == name) return k;
  }
  return nullptr;
}

std::string closest_kind(std::string_view name) {
  std::string best;
  std::size_t best_d = 3;  // Farther than two edits is no suggestion.
  for (const auto* k : kKinds) {
    const auto d = edit_distance(name, k->name);
    if (d < best_d) best_d = d, best = std::string(k->name);
  }
  return best;
}

std::optional<Fault> parse_fault(Params& p) {
  Fault f;
  if (p.has("action")) {
    p.touch("action");
    p.error("action", "'action' is now 'kind' (every fault kind is listed by `rdpfault faults`)");
    return std::nullopt;
  }
  if (!p.has("kind")) {
    p.error("", "missing 'kind' (`rdpfault faults` lists them)");
    return std::nullopt;
  }
  const auto name = *p.text("kind");
  f.kind = find_kind(name);
  if (!f.kind) {
    const auto near = closest_kind(name);
    p.error("kind", "unknown kind '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                        "; `rdpfault faults` lists them");
    return std::nullopt;
  }
  const bool stream = p.has("direction");
  bool ok = true;
  if (stream && !has_hook(f.kind->hooks, Hook::stream)) {
    p.touch("direction");
    p.error("direction", "kind '" + name + "' does not act on the byte stream; it acts " + hooks_text(f.kind->hooks));
    return std::nullopt;
  }
  if (!stream && (f.kind->hooks & kPointHooks) == 0) {
    p.error("", "missing 'direction' (to_client, to_server or both): kind '" + name + "' acts on the byte stream");
    return std::nullopt;
  }
  ok = stream ? read_stream_placement(p, f.where) : read_point_placement(p, *f.kind, f.where);
  if (p.has("connections") && p.has("connection")) {
    p.touch("connection");
    p.error("connection", "give either 'connections' (the first N) or 'connection' (only the Nth), not both");
    ok = false;
  }
  if (auto n = p.integer("connections", 0, 1000)) f.connections.first = static_cast<int>(*n);
  if (auto n = p.integer("connection", 1, 1000)) f.connections.only = static_cast<int>(*n);
  if (!ok || p.failed()) return std::nullopt;
  f.unit = f.kind->parse(p, f.where);
  for (const auto& k : p.unused()) {
    std::string near;
    std::size_t best = 3;
    auto consider = [&](std::string_view cand) {
      const auto d = edit_distance(k, cand);
      if (d < best) best = d, near = std::string(cand);
    };
    for (const auto& d : f.kind->params) consider(d.key);
    for (const auto& d : kShared) consider(d.key);
    p.error(k, "unknown key for kind '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
  if (!f.unit || p.failed()) return std::nullopt;
  return f;
}

std::vector<std::pair<std::size_t, std::string>> check_fault_list(const std::vector<Fault>& faults) {
  std::vector<std::pair<std::size_t, std::string>> out;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const auto& a = faults[i];
    if (a.is_stream() || a.where.hook == Hook::active_timer || !a.connections.all()) continue;
    const auto acts = a.unit->actions();
    if (acts.empty() || !is_terminal(acts.back())) continue;
    for (std::size_t j = i + 1; j < faults.size(); ++j) {
      const auto& b = faults[j];
      if (b.is_stream() || b.where.hook != a.where.hook || b.where.phase != a.where.phase) continue;
      out.emplace_back(j, "this " + std::string(b.name()) + " fault never fires: the " + std::string(a.name()) +
                              " fault before it (faults[" + std::to_string(i) + "]) ends every connection at the same point");
    }
  }
  return out;
}

std::optional<std::string> proxy_cannot_apply(const Fault& f) {
  if (!f.is_stream()) {
    return "the " + std::string(f.name()) + " fault in " + std::string(to_string(f.where.phase)) +
           " acts inside the server; a proxy can apply only network conditions (faults with a direction)";
  }
  for (auto r : {PhaseRange{Phase::credssp, Phase::active}, PhaseRange{Phase::basic_settings_exchange, Phase::active}}) {
    if (f.where.scope.touches(r) && !f.where.scope.covers(r)) {
      return "a proxy cannot tell the phases inside TLS apart (" + to_string(r) + "), so '" + f.where.scope.to_string() +
             "' needs the fault in the server (network_at = \"server\"), or a scope a proxy can see: "
             "connection_initiation, security_upgrade, or from credssp on (everything after the TLS handshake)";
    }
  }
  return std::nullopt;
}

SpecResult parse_fault_spec(std::string_view spec) {
  SpecResult r;
  const auto colon = spec.find(':');
  const auto kind = spec.substr(0, colon);
  KeyValueParams p(colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1));
  if (kind.empty()) {
    r.problems.push_back({"", "'" + std::string(spec) + "' names no kind (KIND:key=value,...)"});
    return r;
  }
  p.set("kind", std::string(kind));
  r.fault = parse_fault(p);
  r.problems = p.problems();
  if (!r.problems.empty()) r.fault.reset();
  return r;
}


std::string describe_kinds() {
  std::ostringstream o;
  o << "Fault kinds: a [[server.faults]] table in a scenario file, or --fault KIND:key=value,... for\n"
       "`rdpfault serve` and `rdpfault proxy` (a list value is written a+b+c there).\n\n"
       "Where a fault acts (a kind lists the places it can):\n"
       "  server_pdu     phase = connection_initiation | basic_settings_exchange | channel_connection |\n"
       "                 licensing | capabilities_exchange | finalization: before the server's first PDU there\n"
       "  tls_handshake  phase = security_upgrade: before the TLS handshake starts\n"
       "  credssp_reply  phase = credssp: before the server's first CredSSP answer (the NTLM CHALLENGE)\n"
       "  active_timer   phase = active, after_ms = N: N ms into the active session\n"
       "  stream         direction = to_client | to_server | both, optionally during = [phases] or\n"
       "                 from = phase: on the bytes, below TLS (the network conditions)\n";
  auto pad = [](std::string s, std::size_t n) {
    if (s.size() < n) s.resize(n, ' ');
    return s;
  };
  for (const auto* k : kKinds) {
    o << "\n" << k->name << " - " << k->summary << "\n  acts at:";
    bool first = true;
    for (Hook h : {Hook::server_pdu, Hook::tls_handshake, Hook::credssp_reply, Hook::active_timer, Hook::stream}) {
      if (has_hook(k->hooks, h)) o << (first ? " " : ", ") << to_string(h), first = false;
    }
    if (!k->restriction.empty()) o << " (" << k->restriction << ")";
    o << "\n";
    for (const auto& p : k->params) o << "  " << pad(std::string(p.key), 18) << pad(std::string(p.type), 28) << p.doc << "\n";
  }
  o << "\nKeys every fault takes\n";
  for (const auto& p : kShared) o << "  " << pad(std::string(p.key), 18) << pad(std::string(p.type), 28) << p.doc << "\n";
  return o.str();
}

nlohmann::json kinds_json() {
  auto all = nlohmann::json::array();
  auto doc = [](const ParamDoc& p) { return nlohmann::json{{"key", p.key}, {"type", p.type}, {"doc", p.doc}}; };
  for (const auto* k : kKinds) {
    auto where = nlohmann::json::array();
    for (Hook h : {Hook::server_pdu, Hook::tls_handshake, Hook::credssp_reply, Hook::active_timer, Hook::stream}) {
      if (has_hook(k->hooks, h)) where.push_back(to_string(h));
    }
    auto params = nlohmann::json::array();
    for (const auto& p : k->params) params.push_back(doc(p));
    nlohmann::json kind = {{"name", k->name}, {"summary", k->summary}, {"where", where}, {"params", params}};
    if (!k->restriction.empty()) kind["restriction"] = k->restriction;
    all.push_back(std::move(kind));
  }
  auto shared = nlohmann::json::array();
  for (const auto& p : kShared) shared.push_back(doc(p));
  return {{"kinds", all}, {"shared", shared}};
}

}  // namespace rdpfault::faults
