#include "rdpfault/scenario/codes.hpp"
#include "rdpfault/harness/report.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <ostream>
#include <sstream>

namespace rdpfault::harness {
namespace {

using codes::hex;

std::string fit(std::string s, std::size_t width) {
  if (s.size() <= width) return s + std::string(width - s.size(), ' ');
  if (width < 2) return s.substr(0, width);
  return s.substr(0, width - 1) + "~";
}

std::string outcome_phrase(Outcome o, Phase p) {
  switch (o) {
    case Outcome::connected: return "connected";
    case Outcome::disconnected: return "disconnected from the active session";
    case Outcome::timed_out: return "hung in " + std::string(to_string(p)) + " (deadline)";
    case Outcome::crashed: return "crashed in " + std::string(to_string(p));
    case Outcome::failed: return "failed in " + std::string(to_string(p));
  }
  return "?";
}

std::string seconds(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", ms / 1000.0);
  return b;
}

nlohmann::json mismatches_json(const std::vector<Mismatch>& ms) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& m : ms) a.push_back({{"field", m.field}, {"expected", m.expected}, {"observed", m.observed}});
  return a;
}

std::string mstsc_text(const scenario::MstscSymptom& m) {
  std::string s = hex(m.code);
  if (m.extended) s += " / extended " + hex(m.extended);
  return s;
}

}  // namespace

std::string describe_symptom(const ConnectResult& r) {
  std::string s = outcome_phrase(r.outcome, r.phase_reached);
  if (r.outcome == Outcome::connected) {
    if (r.reconnects) s += " after " + std::to_string(r.reconnects) + " reconnect(s)";
  } else if (!r.freerdp_error_name.empty() && r.freerdp_error_name != "ERRBASE_SUCCESS") {
    s += ": " + r.freerdp_error_name;
  } else if (r.outcome == Outcome::failed) {
    s += ": no error (FreeRDP's activation timeout)";
  }
  if (r.server_error_info && (r.freerdp_error_name.rfind("ERRINFO_", 0) != 0)) s += ", error info " + hex(*r.server_error_info);
  if (r.cert_reason != CertReason::none && r.outcome != Outcome::connected) {
    s += ", certificate " + std::string(to_string(r.cert_reason));
  }
  s += ", " + std::to_string(r.tcp_connections) + (r.tcp_connections == 1 ? " TCP connection" : " TCP connections");
  return s;
}

std::string describe_expectation(const scenario::Expectation& e) {
  std::string s = outcome_phrase(e.outcome, e.phase);
  if (e.freerdp_error && *e.freerdp_error != "ERRBASE_SUCCESS") s += ": " + *e.freerdp_error;
  if (e.outcome == Outcome::failed && e.freerdp_error && *e.freerdp_error == "ERRBASE_SUCCESS") {
    s += ": no error (FreeRDP's activation timeout)";
  }
  if (e.error_info && !(e.freerdp_error && e.freerdp_error->rfind("ERRINFO_", 0) == 0)) s += ", error info " + hex(*e.error_info);
  if (e.certificate && *e.certificate != CertReason::none) s += ", certificate " + std::string(to_string(*e.certificate));
  if (e.tcp_connections) {
    s += ", " + std::to_string(*e.tcp_connections) + (*e.tcp_connections == 1 ? " TCP connection" : " TCP connections");
  }
  return s;
}

nlohmann::json to_json(const scenario::Expectation& e) {
  nlohmann::json j = {{"outcome", std::string(to_string(e.outcome))}, {"phase", std::string(to_string(e.phase))}};
  if (e.freerdp_error) j["freerdp_error"] = *e.freerdp_error;
  if (e.error_info) j["error_info"] = *e.error_info;
  if (e.certificate) j["certificate"] = std::string(to_string(*e.certificate));
  if (e.tcp_connections) j["tcp_connections"] = *e.tcp_connections;
  if (!e.phase_ms_at_least.empty()) {
    auto m = nlohmann::json::object();
    for (const auto& [p, ms] : e.phase_ms_at_least) m[std::string(to_string(p))] = ms;
    j["phase_ms_at_least"] = m;
  }
  if (e.mstsc) {
    j["mstsc"] = {{"code", e.mstsc->code},
                  {"extended", e.mstsc->extended},
                  {"message", e.mstsc->message},
                  {"source", e.mstsc->documented ? "documented" : "inferred"}};
  }
  return j;
}

namespace {

/// The run's start (now minus its wall time), as ISO 8601 UTC: "2026-12-02T02:30:00Z"
/// (JUnit's timestamp drops the Z: Ant's schema has no time zone).
std::string started_utc(double wall_ms, bool with_zone) {
  const auto start = std::chrono::system_clock::now() -
                     std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double, std::milli>(wall_ms));
  const std::time_t t = std::chrono::system_clock::to_time_t(start);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, with_zone ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm);
  return b;
}

std::string host_name() {
  char b[256] = {};
  if (::gethostname(b, sizeof b - 1) != 0) return "localhost";
  return b;
}

/// The client that ran (the first run that says), e.g. {"freerdp-lib", "2.11.2"}.
std::pair<std::string, std::string> client_of(const std::vector<ScenarioOutcome>& outcomes) {
  for (const auto& o : outcomes) {
    for (const auto* r : {&o.broken.result, &o.fixed.result}) {
      if (!r->client_version.empty()) return {r->client, r->client_version};
    }
  }
  return {"freerdp-lib", ""};
}

}  // namespace

nlohmann::json report_json(const std::vector<ScenarioOutcome>& outcomes, double wall_ms, int jobs) {
  nlohmann::json list = nlohmann::json::array();
  int passed = 0;
  int interrupted = 0;
  long long waits = 0;
  for (const auto& o : outcomes) {
    const auto& s = *o.scenario;
    passed += o.passed() ? 1 : 0;
    interrupted += o.interrupted ? 1 : 0;
    waits += o.broken.deliberate_wait_ms + o.fixed.deliberate_wait_ms;
    nlohmann::json e = {
        {"name", s.name},
        {"summary", s.summary},
        {"cause", s.cause},
        {"phase", std::string(to_string(s.phase))},
        {"file", s.file},
        {"passed", o.passed()},
        {"interrupted", o.interrupted},
        {"seed", o.seed},
        {"wall_ms", o.wall_ms},
        {"fix", s.fix},
        {"expected", to_json(s.expect)},
        {"observed", to_json(o.broken.result)},
        {"symptom", describe_symptom(o.broken.result)},
        {"mismatches", mismatches_json(o.broken.mismatches)},
        {"expected_after_fix", to_json(s.expect_after_fix)},
        {"observed_after_fix", to_json(o.fixed.result)},
        {"mismatches_after_fix", mismatches_json(o.fixed.mismatches)},
        {"deliberate_wait_ms", o.broken.deliberate_wait_ms + o.fixed.deliberate_wait_ms},
        {"server_connections", o.broken.server_connections},
        {"server_connections_after_fix", o.fixed.server_connections},
    };
    if (!o.broken.error.empty()) e["error"] = o.broken.error;
    if (!o.fixed.error.empty()) e["error_after_fix"] = o.fixed.error;
    list.push_back(std::move(e));
  }
  const auto [client, client_version] = client_of(outcomes);
  return {{"tool", "rdpfault"},
          // Bumped when a field changes meaning or goes away (adding one does not).
          {"schema_version", 1},
          {"version", std::string(version())},
          {"started_utc", started_utc(wall_ms, true)},
          {"host", host_name()},
          {"client", {{"name", client}, {"version", client_version}}},
          {"jobs", jobs},
          {"wall_ms", wall_ms},
          {"deliberate_wait_ms", waits},
          {"total", outcomes.size()},
          {"passed", passed},
          {"failed", static_cast<int>(outcomes.size()) - passed - interrupted},
          // Scenarios a signal stopped before they finished: neither passed nor failed.
          {"interrupted", interrupted},
          {"complete", interrupted == 0},
          {"scenarios", list}};
}

std::string xml_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          o += '?';
        } else {
          o += c;
        }
    }
  }
  return o;
}

std::string report_junit(const std::vector<ScenarioOutcome>& outcomes, double wall_ms) {
  int failures = 0;
  int skipped = 0;  // Interrupted before they finished.
  for (const auto& o : outcomes) (o.interrupted ? skipped : failures) += o.passed() ? 0 : 1;
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites name=\"rdpfault\" tests=\"" << outcomes.size() << "\" failures=\"" << failures << "\" time=\""
    << seconds(wall_ms) << "\">\n";
  x << "  <testsuite name=\"rdpfault catalog\" tests=\"" << outcomes.size() << "\" failures=\"" << failures
    << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\"" << seconds(wall_ms) << "\" timestamp=\""
    << started_utc(wall_ms, false) << "\" hostname=\"" << xml_escape(host_name()) << "\">\n";
  const auto [client, client_version] = client_of(outcomes);
  x << "    <properties>\n      <property name=\"rdpfault.version\" value=\"" << xml_escape(version()) << "\"/>\n"
    << "      <property name=\"client\" value=\"" << xml_escape(client) << "\"/>\n"
    << "      <property name=\"client.version\" value=\"" << xml_escape(client_version) << "\"/>\n"
    << "    </properties>\n";
  for (const auto& o : outcomes) {
    const auto& s = *o.scenario;
    x << "    <testcase classname=\"rdpfault." << xml_escape(to_string(s.phase)) << "\" name=\"" << xml_escape(s.name)
      << "\" time=\"" << seconds(o.wall_ms) << "\">\n";
    if (o.interrupted) {
      x << "      <skipped message=\"interrupted: the run was stopped (SIGINT or SIGTERM) before this scenario "
           "finished\"/>\n";
    } else if (!o.passed()) {
      std::string body;
      std::string first;
      auto add = [&](const char* run, const RunRecord& r) {
        if (!r.error.empty()) {
          body += std::string(run) + ": " + r.error + "\n";
          if (first.empty()) first = std::string(run) + ": " + r.error;
        }
        for (const auto& m : r.mismatches) {
          const auto line = std::string(run) + ": " + m.field + ": expected " + m.expected + ", observed " + m.observed;
          body += line + "\n";
          if (first.empty()) first = line;
        }
      };
      add("broken", o.broken);
      add("after fix", o.fixed);
      x << "      <failure message=\"" << xml_escape(first) << "\" type=\"mismatch\">" << xml_escape(body)
        << "</failure>\n";
    }
    x << "      <system-out>" << xml_escape("cause: " + s.cause + "\nsymptom: " + describe_symptom(o.broken.result) +
                                          "\nfix: " + s.fix + "\nafter fix: " + describe_symptom(o.fixed.result) + "\n")
      << "</system-out>\n";
    x << "    </testcase>\n";
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

void print_table(std::ostream& out, const std::vector<ScenarioOutcome>& outcomes, int width) {
  const int w = std::max(width, 100);
  const std::size_t name_w = 30, verdict_w = 6;
  const std::size_t rest = static_cast<std::size_t>(w) - name_w - verdict_w - 8;
  const std::size_t cause_w = rest * 30 / 100, symptom_w = rest * 40 / 100, fix_w = rest - cause_w - symptom_w;
  out << fit("scenario", name_w) << "  " << fit("cause", cause_w) << "  " << fit("symptom seen", symptom_w) << "  "
      << fit("fix", fix_w) << "  verdict\n";
  out << std::string(static_cast<std::size_t>(w), '-') << "\n";
  for (const auto& o : outcomes) {
    const auto& s = *o.scenario;
    const std::string symptom = o.broken.error.empty() ? describe_symptom(o.broken.result) : o.broken.error;
    out << fit(s.name, name_w) << "  " << fit(s.cause, cause_w) << "  " << fit(symptom, symptom_w) << "  "
        << fit(s.fix, fix_w) << "  " << (o.passed() ? "PASS" : "FAIL") << "\n";
  }
}

void print_failure(std::ostream& out, const ScenarioOutcome& o) {
  const auto& s = *o.scenario;
  out << "\n=== " << s.name << " (" << s.file << ") ===\n";
  auto one = [&](const char* run, const RunRecord& r, const scenario::Expectation& e) {
    if (r.passed()) return;
    out << "--- " << run << " ---\n";
    if (!r.error.empty()) out << "  error: " << r.error << "\n";
    out << "  expected: " << describe_expectation(e) << "\n";
    out << "  observed: " << describe_symptom(r.result) << "\n";
    for (const auto& m : r.mismatches) {
      out << "  " << m.field << ": expected " << m.expected << ", observed " << m.observed << "\n";
    }
    if (!r.result.detail.empty()) out << "  driver: " << r.result.detail << "\n";
    for (const auto& line : r.result.log) out << "  freerdp: " << line << "\n";
    out << "  server trace (" << r.trace.size() << " events):\n";
    for (const auto& ev : r.trace) out << "    " << fakeserver::format_event(ev) << "\n";
  };
  one("broken run", o.broken, s.expect);
  one("after the fix", o.fixed, s.expect_after_fix);
}

void print_catalog(std::ostream& out, const std::vector<scenario::Scenario>& scenarios) {
  std::optional<Phase> current;
  for (const auto& s : scenarios) {
    if (!current || *current != s.phase) {
      current = s.phase;
      out << "\n" << to_string(s.phase) << "\n";
    }
    out << "  " << s.name << "\n";
    out << "    cause:   " << s.cause << "\n";
    out << "    symptom: " << describe_expectation(s.expect);
    if (s.expect.mstsc) out << "; mstsc " << mstsc_text(*s.expect.mstsc);
    out << "\n";
    out << "    fix:     " << s.fix << "\n";
  }
}

std::string catalog_markdown(const std::vector<scenario::Scenario>& scenarios) {
  std::ostringstream md;
  auto cell = [](std::string s) {
    std::string o;
    for (char c : s) {
      if (c == '|') {
        o += "\\|";
      } else if (c == '\n') {
        o += ' ';
      } else {
        o += c;
      }
    }
    return o;
  };
  md << "# Scenario catalog\n\n"
     << "Generated by `rdpfault docs` from `scenarios/catalog/`; do not edit by hand (a test fails when\n"
     << "this file is stale). Each scenario breaks a connection the way the cause does, checks the symptom\n"
     << "FreeRDP 2.11 shows, applies the documented fix and checks the result. mstsc codes marked *(inferred)*\n"
     << "are not shown by any source for this cause; see [causes.md](causes.md).\n\n"
     << scenarios.size() << " scenarios.\n";
  std::optional<Phase> current;
  for (const auto& s : scenarios) {
    if (!current || *current != s.phase) {
      current = s.phase;
      md << "\n## " << to_string(s.phase) << "\n\n"
         << "| scenario | cause | symptom (FreeRDP 2.11) | mstsc | fix | after the fix |\n"
         << "|---|---|---|---|---|---|\n";
    }
    std::string mstsc = "-";
    if (s.expect.mstsc) {
      mstsc = mstsc_text(*s.expect.mstsc) + (s.expect.mstsc->documented ? "" : " *(inferred)*");
      if (!s.expect.mstsc->message.empty()) mstsc += ": \"" + s.expect.mstsc->message + "\"";
    }
    md << "| `" << s.name << "` | " << cell(s.cause) << " | " << cell(describe_expectation(s.expect)) << " | "
       << cell(mstsc) << " | " << cell(s.fix) << " | " << cell(describe_expectation(s.expect_after_fix)) << " |\n";
  }
  return md.str();
}

}  // namespace rdpfault::harness
