// The scenario runner end to end: real fake servers, the real FreeRDP driver, the CLI.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/mini_xml.hpp"
#include "../support/process.hpp"
#include "rdpfault/client/driver.hpp"
#include "rdpfault/harness/runner.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using test::ChildProcess;

std::string temp_dir() {
  char tmpl[] = "/tmp/rdpfault-catalog-XXXXXX";
  return mkdtemp(tmpl);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const scenario::Scenario& shipped(const std::string& name) {
  static const auto catalog = scenario::load_catalog(RDPFAULT_SOURCE_CATALOG);
  for (const auto& s : catalog.scenarios) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no scenario " + name);
}

harness::RunnerOptions options() {
  harness::RunnerOptions o;
  o.driver_path = RDPFAULT_DRIVER_PATH;
  return o;
}

TEST(Runner, AShippedScenarioPassesBothRuns) {
  const auto out = harness::run_scenario(shipped("tls-cert-expired"), options());
  EXPECT_TRUE(out.passed());
  EXPECT_EQ(out.broken.result.outcome, Outcome::failed);
  EXPECT_EQ(out.broken.result.cert_reason, CertReason::expired);
  EXPECT_EQ(out.fixed.result.outcome, Outcome::connected);
  EXPECT_EQ(out.broken.server_connections, 1u);
  // The server's trace of the broken run shows the handshake the client abandoned.
  bool saw_tls_failure = false;
  for (const auto& e : out.broken.trace) saw_tls_failure |= e.event == "tls_alert" || e.event == "tls";
  EXPECT_TRUE(saw_tls_failure);
}

TEST(Runner, AWrongExpectationFailsAndSaysWhichField) {
  auto s = shipped("tls-cert-expired");
  s.expect.certificate = CertReason::self_signed;  // Deliberately wrong.
  const auto out = harness::run_scenario(s, options());
  EXPECT_FALSE(out.passed());
  ASSERT_EQ(out.broken.mismatches.size(), 1u);
  EXPECT_EQ(out.broken.mismatches[0].field, "certificate");
  EXPECT_EQ(out.broken.mismatches[0].expected, "self_signed");
  EXPECT_EQ(out.broken.mismatches[0].observed, "expired");
  EXPECT_TRUE(out.fixed.passed());
}

TEST(Runner, AFixThatDoesNotFixIsCaught) {
  auto s = shipped("errinfo-server-denied");
  s.fixed_server = s.server;  // The "fix" changes nothing.
  const auto out = harness::run_scenario(s, options());
  EXPECT_TRUE(out.broken.passed());
  EXPECT_FALSE(out.fixed.passed());
  ASSERT_FALSE(out.fixed.mismatches.empty());
  EXPECT_EQ(out.fixed.mismatches[0].field, "outcome");
  EXPECT_EQ(out.fixed.mismatches[0].observed, "failed");
}

TEST(Runner, ParallelRunsKeepTheirOrder) {
  std::vector<const scenario::Scenario*> v = {&shipped("nego-ssl-required"), &shipped("dns-name-not-found"),
                                              &shipped("x224-close-after-request"), &shipped("tls-self-signed")};
  auto o = options();
  o.jobs = 3;
  int done = 0;
  o.on_done = [&](const harness::ScenarioOutcome&) { ++done; };
  const auto out = harness::run_all(v, o);
  ASSERT_EQ(out.size(), v.size());
  EXPECT_EQ(done, 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(out[i].scenario, v[i]);
    EXPECT_TRUE(out[i].passed()) << v[i]->name;
  }
}

TEST(CatalogCli, RunWritesJsonAndJUnitThatParseBack) {
  const auto dir = temp_dir();
  ChildProcess run({RDPFAULT_CLI_PATH, "run", "nego-hybrid-required", "tls-unknown-ca", "--json", dir + "/r.json",
                    "--junit", dir + "/r.xml", "--quiet"},
                   dir + "/out.txt");
  auto status = run.wait_for(60s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << slurp(dir + "/out.txt");
  const auto j = nlohmann::json::parse(slurp(dir + "/r.json"));
  ASSERT_EQ(j["scenarios"].size(), 2u);
  for (const auto& s : j["scenarios"]) {
    EXPECT_TRUE(s.contains("name") && s.contains("cause") && s.contains("phase") && s.contains("observed") &&
                s.contains("observed_after_fix"));
    EXPECT_EQ(s["passed"], true);
  }
  const auto xml = test::parse_xml(slurp(dir + "/r.xml"));
  const auto cases = xml.all("testsuite").at(0)->all("testcase");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0]->attrs.at("name"), "nego-hybrid-required");
  const auto table = slurp(dir + "/out.txt");
  EXPECT_NE(table.find("2 scenarios: 2 passed, 0 failed"), std::string::npos) << table;
  fs::remove_all(dir);
}

TEST(CatalogCli, AMismatchExitsNonZeroAndPrintsExpectedObservedAndTheTrace) {
  const auto dir = temp_dir();
  fs::create_directories(dir + "/catalog/security_upgrade");
  auto text = slurp(std::string(RDPFAULT_SOURCE_CATALOG) + "/security_upgrade/tls-cert-expired.toml");
  const std::string old_cert = "certificate = \"expired\"\ntcp_connections";
  text.replace(text.find(old_cert), old_cert.size(), "certificate = \"unknown_ca\"\ntcp_connections");
  { std::ofstream(dir + "/catalog/security_upgrade/tls-cert-expired.toml") << text; }
  ChildProcess run({RDPFAULT_CLI_PATH, "run", "--all", "--catalog", dir + "/catalog", "--quiet", "--junit",
                    dir + "/r.xml"},
                   dir + "/out.txt");
  auto status = run.wait_for(60s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  const auto out = slurp(dir + "/out.txt");
  EXPECT_NE(out.find("certificate: expected unknown_ca, observed expired"), std::string::npos) << out;
  EXPECT_NE(out.find("server trace"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL"), std::string::npos);
  const auto xml = test::parse_xml(slurp(dir + "/r.xml"));
  EXPECT_EQ(xml.attrs.at("failures"), "1");
  fs::remove_all(dir);
}

TEST(CatalogCli, ValidateNamesFileLineAndColumn) {
  const auto dir = temp_dir();
  const auto file = dir + "/bad.toml";
  auto text = slurp(std::string(RDPFAULT_SOURCE_CATALOG) + "/security_upgrade/tls-cert-expired.toml");
  const std::string old_name = "name = \"tls-cert-expired\"";
  text.replace(text.find(old_name), old_name.size(), "name = \"bad\"");
  text.replace(text.find("[client]\n"), 9, "[client]\nretries = 3\n");
  { std::ofstream(file) << text; }
  ChildProcess v({RDPFAULT_CLI_PATH, "validate", file}, dir + "/out.txt");
  auto status = v.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  const auto out = slurp(dir + "/out.txt");
  // The line of "retries" in the edited file.
  std::istringstream lines(text);
  std::string line;
  int n = 0, at = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line == "retries = 3") at = n;
  }
  EXPECT_NE(out.find(file + ":" + std::to_string(at) + ":1: unknown key 'client.retries'"), std::string::npos) << out;
  fs::remove_all(dir);
}

TEST(CatalogCli, AnUnknownScenarioNameSuggestsTheNearestOne) {
  const auto dir = temp_dir();
  ChildProcess run({RDPFAULT_CLI_PATH, "run", "tls-cert-expird"}, dir + "/out.txt");
  auto status = run.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
  EXPECT_NE(slurp(dir + "/out.txt").find("did you mean 'tls-cert-expired'"), std::string::npos);
  fs::remove_all(dir);
}

TEST(CatalogCli, ExplainNamesTheMeaningTheScenariosAndTheirFixes) {
  const auto dir = temp_dir();
  ChildProcess ok({RDPFAULT_CLI_PATH, "explain", "0x904/0x7"}, dir + "/out.txt");
  auto status = ok.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  const auto out = slurp(dir + "/out.txt");
  EXPECT_NE(out.find("disconnectReasonAtClientWinsockFDCLOSE"), std::string::npos) << out;
  EXPECT_NE(out.find("exDiscReasonServerDeniedConnection"), std::string::npos) << out;
  EXPECT_NE(out.find("errinfo-server-denied"), std::string::npos) << out;
  EXPECT_NE(out.find("x224-close-after-request"), std::string::npos) << out;
  EXPECT_NE(out.find("fix: "), std::string::npos) << out;
  ChildProcess bad({RDPFAULT_CLI_PATH, "explain", "0xnothing"}, dir + "/bad.txt");
  status = bad.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
  EXPECT_NE(slurp(dir + "/bad.txt").find("is not a code rdpfault knows"), std::string::npos);
  fs::remove_all(dir);
}

TEST(CatalogCli, ServeAScenarioBrokenThenFixedForAnyClient) {
  for (const bool fixed : {false, true}) {
    const auto dir = temp_dir();
    std::vector<std::string> argv = {RDPFAULT_CLI_PATH, "serve", "tls-cert-expired", "--port", "0",
                                     "--exit-after", "1", "--write-ca", dir + "/ca.pem", "--format", "none"};
    if (fixed) argv.push_back("--fixed");
    ChildProcess serve(argv, dir + "/serve.err", true);
    auto first = serve.read_line(20s);
    ASSERT_TRUE(first);
    const auto hello = nlohmann::json::parse(*first);
    EXPECT_EQ(hello["scenario"], "tls-cert-expired");
    EXPECT_EQ(hello["state"], fixed ? "fixed" : "broken");
    ConnectRequest req;
    req.port = hello["port"];
    req.security = {SecurityProtocol::tls};
    req.cert_policy = CertPolicy::trust_ca;
    req.ca_file = dir + "/ca.pem";
    req.timeout_ms = 15000;
    client::RunOptions ro;
    ro.driver_path = RDPFAULT_DRIVER_PATH;
    const auto r = client::run_driver(req, ro);
    if (fixed) {
      EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
    } else {
      EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
      EXPECT_EQ(r.cert_reason, CertReason::expired);
    }
    auto status = serve.wait_for(10s);
    EXPECT_TRUE(status) << "serve did not exit after one connection";
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace rdpfault
