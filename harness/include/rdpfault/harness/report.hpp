#pragma once
/// What the runner found, for people (progress, table, mismatch details) and for machines
/// (JSON with a top-level "scenarios" array; JUnit XML with one testcase per scenario), and
/// the catalog as documentation (docs/scenarios.md, `rdpfault list`).
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/harness/runner.hpp"

namespace rdpfault::harness {

/// The version of rdpfault, as `rdpfault --version` prints it: `git describe` at build time,
/// else the project version (cmake/WriteVersion.cmake). Every report records it.
std::string_view version() noexcept;

/// "failed in security_upgrade: ERRCONNECT_TLS_CONNECT_FAILED, certificate expired, 1 TCP connection"
std::string describe_symptom(const ConnectResult& r);
/// The same sentence for what a scenario expects.
std::string describe_expectation(const scenario::Expectation& e);

nlohmann::json to_json(const scenario::Expectation& e);
nlohmann::json report_json(const std::vector<ScenarioOutcome>& outcomes, double wall_ms, int jobs);
std::string report_junit(const std::vector<ScenarioOutcome>& outcomes, double wall_ms);

/// The table printed after a run: scenario, cause, symptom seen, fix, verdict.
void print_table(std::ostream& out, const std::vector<ScenarioOutcome>& outcomes, int width);
/// Expected vs observed for every mismatched field, then the server trace of that run.
void print_failure(std::ostream& out, const ScenarioOutcome& o);

/// `rdpfault list`: the catalog grouped by phase with cause, symptom and fix.
void print_catalog(std::ostream& out, const std::vector<scenario::Scenario>& scenarios);
/// docs/scenarios.md.
std::string catalog_markdown(const std::vector<scenario::Scenario>& scenarios);

std::string xml_escape(std::string_view s);

}  // namespace rdpfault::harness
