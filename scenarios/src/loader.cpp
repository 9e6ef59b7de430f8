// Scenario files: TOML -> Scenario, with every problem reported as file:line:col.
//
// Strictness is the point: an unknown key, a wrong type or an unknown value is an error at
// the place it was written, never ignored. Each table is read through a TableReader that
// remembers which keys it consumed; whatever is left over is reported.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "rdpfault/faults/registry.hpp"
#include "rdpfault/scenario/codes.hpp"
#include "rdpfault/scenario/scenario.hpp"
#include "rdpfault/scenario/spelling.hpp"

namespace rdpfault::scenario {
namespace {

namespace fs = std::filesystem;

template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<Reachability, 4> kReachability{{{Reachability::listening, "listening"},
                                                {Reachability::closed, "closed"},
                                                {Reachability::other_port, "other_port"},
                                                {Reachability::filtered, "filtered"}}};
constexpr Names<CertificateKind, 7> kCertificate{{{CertificateKind::valid, "valid"},
                                                  {CertificateKind::expired, "expired"},
                                                  {CertificateKind::not_yet_valid, "not_yet_valid"},
                                                  {CertificateKind::self_signed, "self_signed"},
                                                  {CertificateKind::unknown_ca, "unknown_ca"},
                                                  {CertificateKind::name_mismatch, "name_mismatch"},
                                                  {CertificateKind::none, "none"}}};
constexpr Names<TlsVersion, 4> kTls{{{TlsVersion::tls1_0, "1.0"},
                                     {TlsVersion::tls1_1, "1.1"},
                                     {TlsVersion::tls1_2, "1.2"},
                                     {TlsVersion::tls1_3, "1.3"}}};
constexpr Names<AccountState, 10> kAccountState{{{AccountState::active, "active"},
                                                  {AccountState::locked_out, "locked_out"},
                                                  {AccountState::disabled, "disabled"},
                                                  {AccountState::expired, "expired"},
                                                  {AccountState::password_expired, "password_expired"},
                                                  {AccountState::must_change_password, "must_change_password"},
                                                  {AccountState::logon_type_not_granted, "logon_type_not_granted"},
                                                  {AccountState::account_restriction, "account_restriction"},
                                                  {AccountState::access_denied, "access_denied"},
                                                  {AccountState::invalid_logon_hours, "invalid_logon_hours"}}};
constexpr Names<Resolution, 4> kResolution{{{Resolution::address, "address"},
                                            {Resolution::server, "server"},
                                            {Resolution::other_server, "other_server"},
                                            {Resolution::none, "none"}}};

template <class E, std::size_t N>
std::string_view name_in(const Names<E, N>& t, E e) {
  for (const auto& [v, n] : t) {
    if (v == e) return n;
  }
  return "?";
}

template <class E, std::size_t N>
std::string choices(const Names<E, N>& t) {
  std::string s;
  for (const auto& [v, n] : t) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

std::string phase_choices() {
  std::string s;
  for (Phase p : kAllPhases) s += (s.empty() ? "" : ", ") + std::string(to_string(p));
  return s;
}

/// Collects diagnostics for one file.
struct Report {
  std::string file;
  std::vector<Diagnostic> diagnostics;
  void add(const toml::source_region& where, std::string message) {
    diagnostics.push_back({file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                           std::move(message)});
  }
  void add_at(int line, int column, std::string message) {
    diagnostics.push_back({file, line, column, std::move(message)});
  }
};

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

/// Reads the keys of one table; `finish()` reports the keys nobody asked for.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Report& report)
      : table_(table), path_(std::move(path)), report_(report) {}

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }

  std::string key_path(std::string_view key) const { return path_.empty() ? std::string(key) : path_ + "." + std::string(key); }

  const toml::node* node(std::string_view key) {
    seen_.insert(std::string(key));
    return table_.get(key);
  }

  bool has(std::string_view key) const { return table_.contains(key); }

  bool wrong_type(const toml::node& n, std::string_view key, const char* want) {
    report_.add(n.source(), key_path(key) + ": expected " + want + ", found " + type_name(n.type()));
    return false;
  }

  bool get(std::string_view key, std::string& out) {
    const auto* n = node(key);
    if (!n) return false;
    if (!n->is_string()) return wrong_type(*n, key, "a string");
    out = n->as_string()->get();
    return true;
  }
  bool get(std::string_view key, bool& out) {
    const auto* n = node(key);
    if (!n) return false;
    if (!n->is_boolean()) return wrong_type(*n, key, "a boolean");
    out = n->as_boolean()->get();
    return true;
  }
  template <class Int>
  bool get_int(std::string_view key, Int& out, std::int64_t lo, std::int64_t hi) {
    const auto* n = node(key);
    if (!n) return false;
    if (!n->is_integer()) return wrong_type(*n, key, "an integer");
    const auto v = n->as_integer()->get();
    if (v < lo || v > hi) {
      report_.add(n->source(), key_path(key) + ": " + std::to_string(v) + " is out of range [" + std::to_string(lo) +
                                   ", " + std::to_string(hi) + "]");
      return false;
    }
    out = static_cast<Int>(v);
    return true;
  }
  template <class E, std::size_t N>
  bool get_enum(std::string_view key, E& out, const Names<E, N>& names) {
    std::string s;
    if (!get(key, s)) return false;
    for (const auto& [v, n] : names) {
      if (n == s) {
        out = v;
        return true;
      }
    }
    report_.add(table_.get(key)->source(),
                key_path(key) + ": unknown value '" + s + "' (expected one of: " + choices(names) + ")");
    return false;
  }
  bool get_phase(std::string_view key, Phase& out) {
    std::string s;
    if (!get(key, s)) return false;
    if (auto p = phase_from_string(s)) {
      out = *p;
      return true;
    }
    report_.add(table_.get(key)->source(),
                key_path(key) + ": unknown phase '" + s + "' (expected one of: " + phase_choices() + ")");
    return false;
  }
  bool get_strings(std::string_view key, std::vector<std::string>& out) {
    const auto* n = node(key);
    if (!n) return false;
    if (!n->is_array()) return wrong_type(*n, key, "an array of strings");
    out.clear();
    bool ok = true;
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) {
        report_.add(e.source(), key_path(key) + ": expected strings in the array, found " + type_name(e.type()));
        ok = false;
        continue;
      }
      out.push_back(e.as_string()->get());
    }
    return ok;
  }
  bool get_security(std::string_view key, std::vector<SecurityProtocol>& out) {
    const auto* n = node(key);
    if (!n) return false;
    if (!n->is_array()) return wrong_type(*n, key, "an array of protocols");
    std::vector<SecurityProtocol> v;
    for (const auto& e : *n->as_array()) {
      auto p = e.is_string() ? security_protocol_from_string(e.as_string()->get()) : std::nullopt;
      if (!p) {
        report_.add(e.source(), key_path(key) + ": expected one of rdp, tls, nla, found " +
                                    (e.is_string() ? "'" + e.as_string()->get() + "'" : type_name(e.type())));
        return false;
      }
      if (std::find(v.begin(), v.end(), *p) != v.end()) {
        report_.add(e.source(), key_path(key) + ": '" + std::string(to_string(*p)) + "' is listed twice");
        return false;
      }
      v.push_back(*p);
    }
    if (v.empty()) {
      report_.add(n->source(), key_path(key) + ": at least one protocol is needed");
      return false;
    }
    out = v;
    return true;
  }
  const toml::table* get_table(std::string_view key) {
    const auto* n = node(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      wrong_type(*n, key, "a table");
      return nullptr;
    }
    return n->as_table();
  }

  void finish() {
    for (const auto& [k, v] : table_) {
      if (seen_.count(std::string(k.str())) == 0) {
        report_.add(k.source(), "unknown key '" + key_path(k.str()) + "'");
      }
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  Report& report_;
  std::set<std::string> seen_;
};

/// The keys of one [[server.faults]] table, for the fault kinds to read (faults::Params).
class TomlParams final : public faults::Params {
 public:
  TomlParams(const toml::table& t, std::string path, Report& report) : t_(t), path_(std::move(path)), report_(report) {}

  bool has(std::string_view key) const override { return t_.contains(key); }
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) override {
    const auto* n = use(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) return wrong(*n, key, "an integer");
    const auto v = n->as_integer()->get();
    if (v < lo || v > hi) {
      add(n->source(), key, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::string> text(std::string_view key) override {
    const auto* n = use(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) return wrong(*n, key, "a string");
    return n->as_string()->get();
  }
  std::optional<std::vector<std::string>> texts(std::string_view key) override {
    const auto* n = use(key);
    if (!n) return std::nullopt;
    if (!n->is_array()) return wrong(*n, key, "an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) return wrong(e, key, "strings in the array");
      out.push_back(e.as_string()->get());
    }
    return out;
  }
  void error(std::string_view key, std::string message) override {
    // At the key as written (line and column of its name), else at the table.
    for (const auto& [k, v] : t_) {
      if (!key.empty() && k.str() == key) return add(k.source(), key, std::move(message));
    }
    add(t_.source(), key, std::move(message));
  }
  void touch(std::string_view key) override { seen_.insert(std::string(key)); }
  std::vector<std::string> unused() const override {
    std::vector<std::string> out;
    for (const auto& [k, v] : t_) {
      if (!seen_.count(std::string(k.str()))) out.emplace_back(k.str());
    }
    return out;
  }
  bool failed() const override { return failed_; }

 private:
  const toml::node* use(std::string_view key) {
    seen_.insert(std::string(key));
    return t_.get(key);
  }
  std::nullopt_t wrong(const toml::node& n, std::string_view key, const char* want) {
    add(n.source(), key, std::string("expected ") + want + ", found " + type_name(n.type()));
    return std::nullopt;
  }
  void add(const toml::source_region& where, std::string_view key, std::string message) {
    failed_ = true;
    report_.add(where, (key.empty() ? path_ : path_ + "." + std::string(key)) + ": " + message);
  }

  const toml::table& t_;
  std::string path_;
  Report& report_;
  std::set<std::string> seen_;
  bool failed_ = false;
};

void read_account(const toml::table& t, const std::string& path, Report& report, Account& a) {
  TableReader r(t, path, report);
  if (!r.has("user")) report.add(t.source(), path + ": missing 'user'");
  if (!r.has("password")) report.add(t.source(), path + ": missing 'password'");
  r.get("user", a.user);
  r.get("domain", a.domain);
  r.get("password", a.password);
  r.get_enum("state", a.state, kAccountState);
  r.finish();
  if (t.contains("user") && a.user.empty()) report.add(t.source(), path + ".user: must not be empty");
}

void read_server(const toml::table& t, const std::string& path, Report& report, ServerSpec& s) {
  TableReader r(t, path, report);
  r.get_enum("reachability", s.reachability, kReachability);
  r.get("forward", s.forward);
  r.get_security("security", s.security);
  r.get_int("negotiation_failure", s.negotiation_failure, 0, 6);
  // "negotiated" (the default) lets the server choose as Windows does; a fix uses it to undo a forced choice.
  int sel = 0;
  if (r.get_enum("select_protocol", sel, std::array<std::pair<int, std::string_view>, 4>{{
                                              {0, "negotiated"}, {1, "rdp"}, {2, "tls"}, {3, "nla"}}})) {
    s.select_protocol = sel == 0   ? std::nullopt
                        : sel == 1 ? std::optional(SecurityProtocol::rdp)
                        : sel == 2 ? std::optional(SecurityProtocol::tls)
                                   : std::optional(SecurityProtocol::nla);
  }
  r.get_enum("certificate", s.certificate, kCertificate);
  r.get_enum("tls_min", s.tls_min, kTls);
  r.get_enum("tls_max", s.tls_max, kTls);
  r.get_int("max_sessions", s.max_sessions, 0, 1000);
  r.get_int("held_sessions", s.held_sessions, 0, 8);
  r.get("single_session_per_user", s.single_session_per_user);
  r.get_int("credssp_version", s.credssp_version, 2, 6);
  if (const auto* n = r.node("accounts")) {
    if (!n->is_array() || (!n->as_array()->empty() && !n->is_array_of_tables())) {
      r.wrong_type(*n, "accounts", "an array of tables ([[server.accounts]])");
    } else {
      s.accounts.clear();
      std::size_t i = 0;
      for (const auto& e : *n->as_array()) {
        Account a;
        read_account(*e.as_table(), r.key_path("accounts") + "[" + std::to_string(i++) + "]", report, a);
        s.accounts.push_back(a);
      }
      // A server with accounts offers NLA unless the file says which protocols it allows.
      if (!s.accounts.empty() && !t.contains("security") &&
          std::find(s.security.begin(), s.security.end(), SecurityProtocol::nla) == s.security.end()) {
        s.security.push_back(SecurityProtocol::nla);
      }
    }
  }
  r.get_enum("network_at", s.network_at,
             std::array<std::pair<ServerSpec::NetworkAt, std::string_view>, 2>{
                 {{ServerSpec::NetworkAt::server, "server"}, {ServerSpec::NetworkAt::proxy, "proxy"}}});
  if (const auto* n = r.node("faults")) {
    if (!n->is_array() || (!n->as_array()->empty() && !n->is_array_of_tables())) {
      r.wrong_type(*n, "faults", "an array of tables ([[server.faults]])");
    } else {
      s.faults.clear();
      std::vector<const toml::table*> tables;
      std::size_t i = 0;
      bool all_ok = true;
      for (const auto& e : *n->as_array()) {
        TomlParams p(*e.as_table(), r.key_path("faults") + "[" + std::to_string(i++) + "]", report);
        if (auto f = faults::parse_fault(p)) {
          s.faults.push_back(std::move(*f));
          tables.push_back(e.as_table());
        } else {
          all_ok = false;
        }
      }
      if (all_ok) {
        for (const auto& [idx, msg] : faults::check_fault_list(s.faults)) {
          report.add(tables[idx]->source(), r.key_path("faults") + "[" + std::to_string(idx) + "]: " + msg);
        }
      }
    }
  }
  r.finish();
  if (s.network_at == ServerSpec::NetworkAt::proxy) {
    const auto* n = t.get("faults");
    for (std::size_t i = 0; i < s.faults.size(); ++i) {
      if (!s.faults[i].is_stream()) continue;
      if (auto why = faults::proxy_cannot_apply(s.faults[i])) {
        const auto* at_node = n && n->is_array() && i < n->as_array()->size() ? n->as_array()->get(i) : nullptr;
        report.add(at_node ? at_node->source() : t.source(), path + ".faults[" + std::to_string(i) + "]: " + *why);
      }
    }
  }
  if (static_cast<int>(s.tls_min) > static_cast<int>(s.tls_max)) {
    report.add(t.source(), path + ": tls_min is above tls_max");
  }
  if (s.forward && s.reachability != Reachability::other_port) {
    report.add(t.source(), path + ": forward is only meaningful with reachability = \"other_port\"");
  }
  if (s.held_sessions > 0 && s.max_sessions == 0 && !s.single_session_per_user) {
    // Allowed (it shows the limit is not the problem), nothing to check.
  }

}

void read_client(const toml::table& t, const std::string& path, Report& report, ClientSpec& c) {
  TableReader r(t, path, report);
  r.get("host", c.host);
  r.get_enum("resolution", c.resolution, kResolution);
  r.get_security("security", c.security);
  r.get_enum("certificates", c.certificates,
             std::array<std::pair<CertPolicy, std::string_view>, 3>{{{CertPolicy::trust_ca, "trust_ca"},
                                                                     {CertPolicy::reject_untrusted, "reject_untrusted"},
                                                                     {CertPolicy::accept_any, "accept_any"}}});
  r.get("user", c.user);
  r.get("domain", c.domain);
  r.get("password", c.password);
  r.get_int("timeout_ms", c.timeout_ms, 100, 600000);
  r.get_int("tcp_connect_timeout_ms", c.tcp_connect_timeout_ms, 100, 600000);
  r.get_int("activation_timeout_ms", c.activation_timeout_ms, 100, 600000);
  r.get_int("stay_ms", c.stay_ms, 0, 600000);
  r.get("auto_reconnect", c.auto_reconnect);
  r.get("second_client", c.second_client);
  r.finish();
  if (c.resolution == Resolution::address && c.host != "127.0.0.1" && c.host != "::1" && c.host.rfind("127.", 0) != 0) {
    report.add(t.source(), path + ": host '" + c.host +
                               "' is not a loopback address; set resolution (server, other_server, none) for a name");
  }
  if (c.resolution != Resolution::address && c.host.find('.') == std::string::npos) {
    report.add(t.source(), path + ": a resolved host needs a dotted name such as rdp.example.test");
  }
  if (c.stay_ms > 0 && c.stay_ms >= c.timeout_ms) {
    report.add(t.source(), path + ": stay_ms must be below timeout_ms");
  }
}


/// " (did you mean 'X'?)" for the closest candidate within a third of the word, or nothing.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    auto d = edit_distance(word, c);
    // "TLS_CONNECT_FAILED" for "ERRCONNECT_TLS_CONNECT_FAILED": the name without its prefix.
    if (word.size() >= 6 && c.size() > word.size() && c.compare(c.size() - word.size(), word.size(), word) == 0 &&
        c[c.size() - word.size() - 1] == '_') {
      d = 1;
    }
    if (d < best_d) best_d = d, best = c;
  }
  if (best.empty() || best_d > std::max<std::size_t>(2, word.size() / 3)) return {};
  return " (did you mean '" + best + "'?)";
}

/// What freerdp_get_last_error_name() can say: the connect-class names and ERRBASE_SUCCESS
/// (FreeRDP errors) and the ERRINFO_* names (the server's Set Error Info codes).
const std::vector<std::string>& freerdp_error_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& c : codes::all()) {
      if (c.kind == codes::Kind::freerdp_error || c.kind == codes::Kind::errinfo) v.emplace_back(c.name);
    }
    return v;
  }();
  return names;
}

bool is_freerdp_error_name(const std::string& s) {
  const auto& v = freerdp_error_names();
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// " (did you mean 0x1B07 SSL_ERR_CERT_EXPIRED?)": the code of those kinds whose hex spelling
/// is closest to `value`'s (ties: the numerically nearest), when it is one or two digits away.
std::string closest_code(std::uint32_t value, std::initializer_list<codes::Kind> kinds) {
  const auto text = codes::hex(value);
  const codes::CodeInfo* best = nullptr;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : codes::all()) {
    if (std::find(kinds.begin(), kinds.end(), c.kind) == kinds.end()) continue;
    const auto d = edit_distance(text, codes::hex(c.value));
    // Equally close spellings: the numerically nearest code (0x8 -> 0x7, not 0x0).
    const auto gap = [value](std::uint32_t v) { return v > value ? v - value : value - v; };
    if (d < best_d || (d == best_d && best && gap(c.value) < gap(best->value))) best_d = d, best = &c;
  }
  if (!best || best_d > 2) return " (`rdpfault explain` lists the codes)";
  return " (did you mean " + codes::hex(best->value) + " " + std::string(best->name) + "?)";
}

void read_expect(const toml::table& t, const std::string& path, Report& report, Expectation& e) {
  TableReader r(t, path, report);
  const auto before = report.diagnostics.size();
  if (!r.has("outcome")) report.add(t.source(), path + ": missing 'outcome'");
  r.get_enum("outcome", e.outcome,
             std::array<std::pair<Outcome, std::string_view>, 5>{{{Outcome::connected, "connected"},
                                                                  {Outcome::failed, "failed"},
                                                                  {Outcome::timed_out, "timed_out"},
                                                                  {Outcome::crashed, "crashed"},
                                                                  {Outcome::disconnected, "disconnected"}}});
  if (!r.get_phase("phase", e.phase)) {
    if (e.outcome == Outcome::connected || e.outcome == Outcome::disconnected) {
      e.phase = Phase::active;
    } else if (!r.has("phase")) {
      report.add(t.source(), path + ": missing 'phase' (where the client stops)");
    }
  }
  std::string s;
  if (r.get("freerdp_error", s)) {
    const auto at = t.get("freerdp_error")->source();
    if (s.rfind("ERRCONNECT_", 0) != 0 && s.rfind("ERRINFO_", 0) != 0 && s.rfind("ERRBASE_", 0) != 0) {
      report.add(at, path + ".freerdp_error: '" + s +
                         "' is not a FreeRDP error name (ERRCONNECT_..., ERRINFO_... or ERRBASE_SUCCESS)" +
                         did_you_mean(s, freerdp_error_names()));
    } else if (!is_freerdp_error_name(s)) {
      // The names explain knows (scenarios/src/codes.cpp): a misspelling would otherwise
      // show only at run time, as a mismatch nobody could ever satisfy.
      report.add(at, path + ".freerdp_error: '" + s + "' is not a FreeRDP error name rdpfault knows" +
                         did_you_mean(s, freerdp_error_names()) + "; `rdpfault explain` lists the codes");
    }
    e.freerdp_error = s;
  }
  std::uint32_t ei = 0;
  if (r.get_int("error_info", ei, 0, 0xFFFFFFFF)) {
    e.error_info = ei;
    if (!codes::find(codes::Kind::errinfo, ei)) {
      report.add(t.get("error_info")->source(), path + ".error_info: " + codes::hex(ei) +
                                                    " is not an ERRINFO code rdpfault knows" +
                                                    closest_code(ei, {codes::Kind::errinfo}));
    }
  }
  CertReason cr{};
  if (r.get_enum("certificate", cr,
                 std::array<std::pair<CertReason, std::string_view>, 7>{{{CertReason::none, "none"},
                                                                         {CertReason::expired, "expired"},
                                                                         {CertReason::not_yet_valid, "not_yet_valid"},
                                                                         {CertReason::self_signed, "self_signed"},
                                                                         {CertReason::unknown_ca, "unknown_ca"},
                                                                         {CertReason::name_mismatch, "name_mismatch"},
                                                                         {CertReason::other, "other"}}})) {
    e.certificate = cr;
  }
  int n = 0;
  if (r.get_int("tcp_connections", n, 0, 100)) e.tcp_connections = n;
  if (const auto* m = r.get_table("phase_ms_at_least")) {
    TableReader mr(*m, r.key_path("phase_ms_at_least"), report);
    for (const auto& [k, v] : *m) {
      const auto p = phase_from_string(k.str());
      if (!p) {
        mr.node(k.str());
        report.add(k.source(), mr.key_path(k.str()) + ": unknown phase (expected one of: " + phase_choices() + ")");
        continue;
      }
      int ms = 0;
      if (mr.get_int(k.str(), ms, 1, 600000)) e.phase_ms_at_least.emplace_back(*p, ms);
    }
    mr.finish();
  }
  if (const auto* m = r.get_table("mstsc")) {
    TableReader mr(*m, r.key_path("mstsc"), report);
    MstscSymptom ms;
    if (!mr.has("code")) report.add(m->source(), mr.path() + ": missing 'code'");
    if (!mr.has("source")) report.add(m->source(), mr.path() + ": missing 'source' (documented or inferred)");
    if (mr.get_int("code", ms.code, 0, 0xFFFFFFFF) && !codes::find(codes::Kind::mstsc_disconnect, ms.code)) {
      report.add(m->get("code")->source(), mr.path() + ".code: " + codes::hex(ms.code) +
                                               " is not an mstsc disconnect code rdpfault knows" +
                                               closest_code(ms.code, {codes::Kind::mstsc_disconnect}));
    }
    if (mr.get_int("extended", ms.extended, 0, 0xFFFFFFFF) && ms.extended != 0 &&
        !codes::find(codes::Kind::mstsc_extended, ms.extended) && !codes::find(codes::Kind::errinfo, ms.extended)) {
      report.add(m->get("extended")->source(),
                 mr.path() + ".extended: " + codes::hex(ms.extended) +
                     " is not an mstsc extended code rdpfault knows (nor an ERRINFO code)" +
                     closest_code(ms.extended, {codes::Kind::mstsc_extended, codes::Kind::errinfo}));
    }
    mr.get("message", ms.message);
    std::string src;
    if (mr.get("source", src)) {
      if (src == "documented") {
        ms.documented = true;
      } else if (src != "inferred") {
        report.add(m->get("source")->source(), mr.path() + ".source: unknown value '" + src +
                                                   "' (expected one of: documented, inferred)");
      }
    }
    mr.finish();
    e.mstsc = ms;
  }
  r.finish();
  if (report.diagnostics.size() != before) return;  // Cross-checks only on values that parsed.
  if ((e.outcome == Outcome::connected || e.outcome == Outcome::disconnected) && e.phase != Phase::active) {
    report.add(t.source(), path + ": a " + std::string(to_string(e.outcome)) + " client is in phase active");
  }
}

std::string errno_message(int err) {
  std::string m = std::strerror(err);
  if (m.size() > 1 && m[0] >= 'A' && m[0] <= 'Z' && !(m[1] >= 'A' && m[1] <= 'Z')) m[0] = static_cast<char>(m[0] - 'A' + 'a');
  return m;
}

std::string trim_copy(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult parse_scenario(std::string_view text, std::string file, std::optional<std::string> expected_name,
                          std::optional<std::string> expected_phase) {
  Report report{file, {}};
  LoadResult out;
  toml::table doc;
  try {
    doc = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    report.add(e.source(), std::string(e.description()));
    out.diagnostics = std::move(report.diagnostics);
    return out;
  }
  Scenario s;
  s.file = file;
  TableReader r(doc, "", report);
  for (const char* required : {"schema", "name", "summary", "cause", "phase", "expect", "fix"}) {
    if (!r.has(required)) report.add_at(1, 1, "missing '" + std::string(required) + "'");
  }
  if (r.get_int("schema", s.schema, 0, 1000) && s.schema != kSchemaVersion) {
    report.add(doc.get("schema")->source(), "schema " + std::to_string(s.schema) + " is not supported (this rdpfault reads " +
                                                std::to_string(kSchemaVersion) + ")");
  }
  if (r.get("name", s.name)) {
    const bool ok = !s.name.empty() && std::all_of(s.name.begin(), s.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!ok) {
      report.add(doc.get("name")->source(), "name: '" + s.name + "' must be lower-case letters, digits and '-'");
    } else if (expected_name && *expected_name != s.name) {
      report.add(doc.get("name")->source(),
                 "name: '" + s.name + "' does not match the file name '" + *expected_name + ".toml'");
    }
  }
  for (auto [key, field] : {std::pair{"summary", &s.summary}, std::pair{"cause", &s.cause}}) {
    if (r.get(key, *field) && trim_copy(*field).empty()) {
      report.add(doc.get(key)->source(), std::string(key) + ": must not be empty");
    }
  }
  if (r.get_phase("phase", s.phase) && expected_phase && *expected_phase != to_string(s.phase)) {
    report.add(doc.get("phase")->source(), "phase: '" + std::string(to_string(s.phase)) +
                                               "' does not match the directory '" + *expected_phase + "'");
  }
  r.get_strings("references", s.references);
  std::uint64_t seed = 0;
  if (r.get_int("seed", seed, 0, std::numeric_limits<std::int64_t>::max())) s.seed = seed;
  const toml::table* server = r.get_table("server");
  const toml::table* client = r.get_table("client");
  (void)server;
  (void)client;
  if (server) read_server(*server, "server", report, s.server);
  if (client) read_client(*client, "client", report, s.client);
  if (const auto* e = r.get_table("expect")) read_expect(*e, "expect", report, s.expect);
  if (const auto* f = r.get_table("fix")) {
    TableReader fr(*f, "fix", report);
    if (!fr.has("description")) report.add(f->source(), "fix: missing 'description' (the documented fix in words)");
    if (fr.get("description", s.fix) && trim_copy(s.fix).empty()) {
      report.add(f->get("description")->source(), "fix.description: must not be empty");
    }
    const toml::table* fs_ = fr.get_table("server");
    const toml::table* fc = fr.get_table("client");
    if (!fs_ && !fc) report.add(f->source(), "fix: needs a [fix.server] or [fix.client] change that applies it");
    // The fix is the broken configuration with the fix's keys on top: reading the fix's
    // table into a copy of the parsed [server] / [client] sets exactly the keys it names.
    s.fixed_server = s.server;
    s.fixed_client = s.client;
    if (fs_) read_server(*fs_, "fix.server", report, s.fixed_server);
    if (fc) read_client(*fc, "fix.client", report, s.fixed_client);
    fr.finish();
  }
  if (const auto* e = r.get_table("expect_after_fix")) {
    read_expect(*e, "expect_after_fix", report, s.expect_after_fix);
  }
  r.finish();
  out.diagnostics = std::move(report.diagnostics);
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  if (out.diagnostics.empty()) out.scenario = std::move(s);
  return out;
}

LoadResult load_scenario(const std::string& path) {
  LoadResult r;
  auto problem = [&](std::string message) {
    r.diagnostics.push_back({path, 0, 0, std::move(message)});
    return r;
  };
  // Only a regular file of at most kMaxScenarioFileBytes: /dev/zero, a FIFO or a directory
  // named x.toml is named as what it is, and never read without bound or waited on.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return problem("cannot read the file: " + errno_message(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return problem("cannot read the file: " + errno_message(errno));
  if (!S_ISREG(st.st_mode)) {
    return problem(std::string(S_ISDIR(st.st_mode)    ? "is a directory"
                               : S_ISFIFO(st.st_mode) ? "is a FIFO"
                               : S_ISCHR(st.st_mode)  ? "is a character device"
                               : S_ISBLK(st.st_mode)  ? "is a block device"
                               : S_ISSOCK(st.st_mode) ? "is a socket"
                                                      : "is not a regular file") +
                   ", not a scenario file");
  }
  const std::string too_big = "is larger than " + std::to_string(kMaxScenarioFileBytes / 1024) +
                              " KiB: not a scenario file";
  if (static_cast<std::uint64_t>(st.st_size) > kMaxScenarioFileBytes) return problem(too_big);
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return problem("cannot read the file: " + errno_message(errno));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxScenarioFileBytes) return problem(too_big);  // It grew while we read.
  }
  const fs::path p(path);
  std::optional<std::string> dir;
  const auto parent = p.parent_path().filename().string();
  if (phase_from_string(parent)) dir = parent;
  return parse_scenario(text, path, p.stem().string(), dir);
}

Catalog load_catalog(const std::string& dir) { return load_catalogs({dir}); }

Catalog load_catalogs(const std::vector<std::string>& dirs) {
  Catalog c;
  std::map<std::string, std::string> names;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      c.diagnostics.push_back({dir, 0, 0, "not a directory"});
      continue;
    }
    std::vector<std::string> files;
    auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().extension() != ".toml") continue;
      std::error_code type_ec;
      // A *.toml that is not a file (a directory, a FIFO, a dangling link) is named, not skipped.
      if (!it->is_regular_file(type_ec)) {
        if (it->is_directory(type_ec)) it.disable_recursion_pending();
      }
      files.push_back(it->path().string());
    }
    if (ec) c.diagnostics.push_back({dir, 0, 0, "cannot list the directory: " + ec.message()});
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto r = load_scenario(f);
      c.diagnostics.insert(c.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
      if (!r.scenario) continue;
      if (auto [at, fresh] = names.emplace(r.scenario->name, f); !fresh) {
        c.diagnostics.push_back({f, 0, 0, "duplicate scenario name '" + r.scenario->name + "' (also " + at->second + ")"});
        continue;
      }
      c.scenarios.push_back(std::move(*r.scenario));
    }
  }
  std::sort(c.scenarios.begin(), c.scenarios.end(), [](const Scenario& a, const Scenario& b) {
    return std::pair(ordinal(a.phase), a.name) < std::pair(ordinal(b.phase), b.name);
  });
  return c;
}

std::string_view to_string(Reachability v) noexcept { return name_in(kReachability, v); }
std::string_view to_string(CertificateKind v) noexcept { return name_in(kCertificate, v); }
std::string_view to_string(TlsVersion v) noexcept { return name_in(kTls, v); }
std::string_view to_string(Resolution v) noexcept { return name_in(kResolution, v); }
std::string_view to_string(AccountState v) noexcept { return name_in(kAccountState, v); }

std::uint32_t ntstatus_for(AccountState state) noexcept {
  switch (state) {
    case AccountState::active: return 0;
    case AccountState::locked_out: return 0xC0000234;
    case AccountState::disabled: return 0xC0000072;
    case AccountState::expired: return 0xC0000193;
    case AccountState::password_expired: return 0xC0000071;
    case AccountState::must_change_password: return 0xC0000224;
    case AccountState::logon_type_not_granted: return 0xC000015B;
    case AccountState::account_restriction: return 0xC000006E;
    case AccountState::access_denied: return 0xC0000022;
    case AccountState::invalid_logon_hours: return 0xC000006F;
  }
  return kStatusLogonFailure;
}

int deliberate_wait_ms(const ServerSpec& s, const ClientSpec& c, const Expectation& e, int server_held_ms) {
  switch (e.outcome) {
    case Outcome::timed_out: return c.timeout_ms;  // The harness deadline bounds everything else.
    case Outcome::connected: return server_held_ms + c.stay_ms;
    case Outcome::failed:
      if (s.reachability == Reachability::filtered) return c.tcp_connect_timeout_ms;
      // FreeRDP's own activation timeout (no error set): the run ends when it expires, whatever
      // the server still held back.
      if (e.freerdp_error == "ERRBASE_SUCCESS") return std::max(server_held_ms, c.activation_timeout_ms);
      return server_held_ms;
    default: return server_held_ms;
  }
}

}  // namespace rdpfault::scenario
