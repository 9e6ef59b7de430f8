// Report writers (parsed back) and the runner's verdict logic, with no server or client.
#include <gtest/gtest.h>

#include "../../support/mini_xml.hpp"
#include "rdpfault/harness/report.hpp"

namespace rdpfault::harness {
namespace {

scenario::Scenario make_scenario(std::string name) {
  scenario::Scenario s;
  s.name = std::move(name);
  s.summary = "summary <with> & \"markup\"";
  s.cause = "The certificate expired & nobody renewed it";
  s.phase = Phase::security_upgrade;
  s.fix = "Renew the certificate";
  s.file = "catalog/security_upgrade/" + s.name + ".toml";
  s.expect.outcome = Outcome::failed;
  s.expect.phase = Phase::security_upgrade;
  s.expect.freerdp_error = "ERRCONNECT_TLS_CONNECT_FAILED";
  s.expect.certificate = CertReason::expired;
  s.expect.tcp_connections = 1;
  return s;
}

ConnectResult observed_expired() {
  ConnectResult r;
  r.outcome = Outcome::failed;
  r.phase_reached = Phase::security_upgrade;
  r.freerdp_error = 0x00020008;
  r.freerdp_error_name = "ERRCONNECT_TLS_CONNECT_FAILED";
  r.cert_reason = CertReason::expired;
  r.tcp_connections = 1;
  return r;
}

ConnectResult observed_connected() {
  ConnectResult r;
  r.outcome = Outcome::connected;
  r.phase_reached = Phase::active;
  r.tcp_connections = 1;
  return r;
}

TEST(Verdict, MatchingObservationPasses) {
  const auto s = make_scenario("ok");
  EXPECT_TRUE(compare(s.expect, observed_expired()).empty());
  EXPECT_TRUE(compare(s.expect_after_fix, observed_connected()).empty());
}

TEST(Verdict, AWrongExpectationFailsAndNamesTheField) {
  auto s = make_scenario("wrong");
  s.expect.certificate = CertReason::self_signed;  // Deliberately wrong.
  s.expect.tcp_connections = 2;                     // And this.
  const auto m = compare(s.expect, observed_expired());
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].field, "certificate");
  EXPECT_EQ(m[0].expected, "self_signed");
  EXPECT_EQ(m[0].observed, "expired");
  EXPECT_EQ(m[1].field, "tcp_connections");
  EXPECT_EQ(m[1].expected, "2");
  EXPECT_EQ(m[1].observed, "1");
}

TEST(Verdict, OutcomePhaseErrorInfoAndMstscAreCompared) {
  scenario::Expectation e;
  e.outcome = Outcome::failed;
  e.phase = Phase::licensing;
  e.error_info = 0x7;
  e.mstsc = scenario::MstscSymptom{0x904, 0x7, "", true};
  const auto m = compare(e, observed_connected());
  std::vector<std::string> fields;
  for (const auto& x : m) fields.push_back(x.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"outcome", "phase", "error_info", "mstsc.code"}));
  EXPECT_EQ(m[2].expected, "0x7");
  EXPECT_EQ(m[2].observed, "none");
}

TEST(Verdict, AnEmptyErrorNameIsFreeRdpsSuccess) {
  scenario::Expectation e;
  e.outcome = Outcome::failed;
  e.phase = Phase::licensing;
  e.freerdp_error = "ERRBASE_SUCCESS";
  ConnectResult r;
  r.outcome = Outcome::failed;
  r.phase_reached = Phase::licensing;
  EXPECT_TRUE(compare(e, r).empty());
}

std::vector<ScenarioOutcome> two_outcomes(const scenario::Scenario& good, const scenario::Scenario& bad) {
  ScenarioOutcome a;
  a.scenario = &good;
  a.broken.result = observed_expired();
  a.fixed.result = observed_connected();
  a.broken.deliberate_wait_ms = 100;
  a.wall_ms = 1500;
  ScenarioOutcome b;
  b.scenario = &bad;
  b.broken.result = observed_expired();
  b.broken.mismatches = compare(bad.expect, b.broken.result);
  b.fixed.result = observed_connected();
  b.wall_ms = 250;
  return {a, b};
}

TEST(Report, JsonParsesBackWithTheRequiredFields) {
  const auto good = make_scenario("tls-good");
  auto bad = make_scenario("tls-bad");
  bad.expect.certificate = CertReason::unknown_ca;
  const auto outcomes = two_outcomes(good, bad);
  ASSERT_FALSE(outcomes[1].passed());
  const auto text = report_json(outcomes, 1750, 2).dump(2);
  const auto j = nlohmann::json::parse(text);
  ASSERT_TRUE(j.at("scenarios").is_array());
  ASSERT_EQ(j["scenarios"].size(), 2u);
  EXPECT_EQ(j["passed"], 1);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["jobs"], 2);
  const auto& s0 = j["scenarios"][0];
  EXPECT_EQ(s0["name"], "tls-good");
  EXPECT_EQ(s0["cause"], good.cause);
  EXPECT_EQ(s0["phase"], "security_upgrade");
  EXPECT_EQ(s0["passed"], true);
  EXPECT_EQ(s0["observed"]["outcome"], "failed");
  EXPECT_EQ(s0["observed"]["cert_reason"], "expired");
  EXPECT_EQ(s0["observed_after_fix"]["outcome"], "connected");
  EXPECT_EQ(s0["deliberate_wait_ms"], 100);
  const auto& s1 = j["scenarios"][1];
  EXPECT_EQ(s1["passed"], false);
  ASSERT_EQ(s1["mismatches"].size(), 1u);
  EXPECT_EQ(s1["mismatches"][0]["field"], "certificate");
  EXPECT_EQ(s1["mismatches"][0]["expected"], "unknown_ca");
  EXPECT_EQ(s1["mismatches"][0]["observed"], "expired");
}

TEST(Report, JUnitParsesBackWithOneTestcasePerScenario) {
  const auto good = make_scenario("tls-good");
  auto bad = make_scenario("tls-bad");
  bad.expect.certificate = CertReason::unknown_ca;
  const auto xml = report_junit(two_outcomes(good, bad), 1750);
  const auto root = test::parse_xml(xml);
  EXPECT_EQ(root.name, "testsuites");
  EXPECT_EQ(root.attrs.at("tests"), "2");
  EXPECT_EQ(root.attrs.at("failures"), "1");
  const auto suites = root.all("testsuite");
  ASSERT_EQ(suites.size(), 1u);
  const auto cases = suites[0]->all("testcase");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0]->attrs.at("name"), "tls-good");
  EXPECT_EQ(cases[0]->attrs.at("classname"), "rdpfault.security_upgrade");
  EXPECT_EQ(cases[0]->attrs.at("time"), "1.500");
  EXPECT_TRUE(cases[0]->all("failure").empty());
  // The escaped cause comes back intact.
  ASSERT_EQ(cases[0]->all("system-out").size(), 1u);
  EXPECT_NE(cases[0]->all("system-out")[0]->text.find("expired & nobody"), std::string::npos);
  const auto failures = cases[1]->all("failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0]->attrs.at("message"), "broken: certificate: expected unknown_ca, observed expired");
  EXPECT_NE(failures[0]->text.find("expected unknown_ca, observed expired"), std::string::npos);
}

TEST(Report, XmlEscapeCoversMarkupAndControlCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y", 3)), "x?y");
}

TEST(Report, MarkdownHasARowPerScenarioUnderItsPhase) {
  std::vector<scenario::Scenario> v = {make_scenario("a-one"), make_scenario("b-two")};
  v[1].phase = Phase::licensing;
  v[1].cause = "pipe | in cause";
  const auto md = catalog_markdown(v);
  EXPECT_NE(md.find("## security_upgrade"), std::string::npos);
  EXPECT_NE(md.find("## licensing"), std::string::npos);
  EXPECT_NE(md.find("| `a-one` |"), std::string::npos);
  EXPECT_NE(md.find("pipe \\| in cause"), std::string::npos);
  EXPECT_NE(md.find("2 scenarios."), std::string::npos);
}

}  // namespace
}  // namespace rdpfault::harness
