// The scenario loader: every malformed file is an error at the right line with a clear
// message; valid files (and the whole catalog) load; a fix overlays the broken configuration.
#include <filesystem>
#include <fstream>
#include <set>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <sstream>

#include <gtest/gtest.h>

#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::scenario {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Each file in tests/data/scenarios/malformed starts with "# expect-line: N" and
/// "# expect-message: text": the first diagnostic must be on line N and contain the text.
TEST(Loader, MalformedFilesAreReportedAtTheirLine) {
  const fs::path dir = fs::path(RDPFAULT_TEST_DATA) / "scenarios" / "malformed";
  int checked = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const auto text = read(f);
    std::istringstream lines(text);
    std::string l1, l2;
    std::getline(lines, l1);
    std::getline(lines, l2);
    ASSERT_EQ(l1.rfind("# expect-line: ", 0), 0u) << f;
    ASSERT_EQ(l2.rfind("# expect-message: ", 0), 0u) << f;
    const int line = std::stoi(l1.substr(15));
    const std::string message = l2.substr(18);
    const auto r = parse_scenario(text, f.filename().string());
    SCOPED_TRACE(f.filename().string());
    EXPECT_FALSE(r.scenario.has_value());
    ASSERT_FALSE(r.diagnostics.empty());
    const auto& d = r.diagnostics.front();
    EXPECT_EQ(d.line, line) << d.to_string();
    EXPECT_NE(d.message.find(message), std::string::npos) << d.to_string();
    EXPECT_EQ(d.file, f.filename().string());
    EXPECT_GE(d.column, 1) << d.to_string();
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

constexpr const char* kValid = R"(schema = 1
name = "example"
summary = "An example"
cause = "A cause"
phase = "licensing"

[server]
max_sessions = 1
held_sessions = 1
[[server.faults]]
kind = "delay"
phase = "licensing"
delay_ms = 2500

[client]
security = ["tls"]
timeout_ms = 5000

[expect]
outcome = "failed"
phase = "licensing"
freerdp_error = "ERRINFO_SERVER_DENIED_CONNECTION"
error_info = 0x7

[expect.mstsc]
code = 0x904
extended = 0x7
source = "documented"

[fix]
description = "Raise the limit."

[fix.server]
max_sessions = 2
)";

TEST(Loader, ValidFileLoadsEveryField) {
  const auto r = parse_scenario(kValid, "example.toml", "example", "licensing");
  ASSERT_TRUE(r.scenario) << (r.diagnostics.empty() ? "" : r.diagnostics[0].to_string());
  const auto& s = *r.scenario;
  EXPECT_EQ(s.name, "example");
  EXPECT_EQ(s.phase, Phase::licensing);
  EXPECT_EQ(s.server.max_sessions, 1);
  ASSERT_EQ(s.server.faults.size(), 1u);
  EXPECT_EQ(s.server.faults[0].name(), "delay");
  EXPECT_EQ(s.server.faults[0].where.hook, faults::Hook::server_pdu);
  EXPECT_EQ(s.server.faults[0].where.phase, Phase::licensing);
  EXPECT_EQ(s.server.faults[0].describe()["delay_ms"], 2500);
  EXPECT_EQ(s.client.security, std::vector<SecurityProtocol>{SecurityProtocol::tls});
  EXPECT_EQ(s.expect.outcome, Outcome::failed);
  EXPECT_EQ(s.expect.error_info, 7u);
  ASSERT_TRUE(s.expect.mstsc);
  EXPECT_EQ(s.expect.mstsc->code, 0x904u);
  EXPECT_TRUE(s.expect.mstsc->documented);
  // The fix keeps everything it does not name: the faults and held sessions stay.
  EXPECT_EQ(s.fixed_server.max_sessions, 2);
  EXPECT_EQ(s.fixed_server.held_sessions, 1);
  EXPECT_EQ(s.fixed_server.faults.size(), 1u);
  EXPECT_EQ(s.fixed_client.timeout_ms, 5000);
  // After the fix: connected, in the active session, by default.
  EXPECT_EQ(s.expect_after_fix.outcome, Outcome::connected);
  EXPECT_EQ(s.expect_after_fix.phase, Phase::active);
}

TEST(Loader, NameAndDirectoryMustMatchTheFile) {
  auto r = parse_scenario(kValid, "other.toml", "other", "licensing");
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].line, 2);
  EXPECT_NE(r.diagnostics[0].message.find("does not match the file name 'other.toml'"), std::string::npos);
  r = parse_scenario(kValid, "example.toml", "example", "active");
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].line, 5);
  EXPECT_NE(r.diagnostics[0].message.find("does not match the directory 'active'"), std::string::npos);
}

TEST(Loader, ReportsEveryProblemNotJustTheFirst) {
  std::string text = kValid;
  text.replace(text.find("max_sessions = 1"), 16, "max_session = 1");
  text.replace(text.find("outcome = \"failed\""), 18, "outcome = \"lost\"");
  const auto r = parse_scenario(text, "x.toml");
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].line, 8);
  EXPECT_EQ(r.diagnostics[1].line, 20);
  EXPECT_EQ(r.diagnostics[0].to_string().rfind("x.toml:8:", 0), 0u);
}

TEST(Loader, MissingFileIsADiagnostic) {
  const auto r = load_scenario("/nonexistent/none.toml");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("cannot read"), std::string::npos);
}

// Only a regular file of at most 1 MiB is read: /dev/zero would never end, a FIFO would
// wait for a writer, and a directory named x.toml is no schema problem.
TEST(Loader, OnlyARegularFileOfAtMost1MiBIsRead) {
  const auto dir = fs::temp_directory_path() / ("rdpfault-files-" + std::to_string(::getpid()));
  fs::create_directories(dir / "x.toml");
  ASSERT_EQ(::mkfifo((dir / "fifo.toml").c_str(), 0600), 0);
  { std::ofstream(dir / "big.toml") << std::string(kMaxScenarioFileBytes + 1, '#'); }
  { std::ofstream(dir / "example.toml") << kValid; }
  const auto start = std::chrono::steady_clock::now();
  const std::pair<std::string, std::string> cases[] = {
      {"/dev/zero", "is a character device, not a scenario file"},
      {(dir / "fifo.toml").string(), "is a FIFO, not a scenario file"},
      {(dir / "x.toml").string(), "is a directory, not a scenario file"},
      {(dir / "big.toml").string(), "is larger than 1024 KiB"},
      {(dir / "none.toml").string(), "cannot read the file: no such file or directory"},
  };
  for (const auto& [path, message] : cases) {
    const auto r = load_scenario(path);
    EXPECT_FALSE(r.scenario);
    ASSERT_EQ(r.diagnostics.size(), 1u) << path;
    EXPECT_EQ(r.diagnostics[0].file, path);
    EXPECT_NE(r.diagnostics[0].message.find(message), std::string::npos) << r.diagnostics[0].to_string();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "nothing waited or read without end";
  // Exactly 1 MiB of comments is still read (and found to be no scenario).
  fs::resize_file(dir / "big.toml", kMaxScenarioFileBytes);
  const auto at_cap = load_scenario((dir / "big.toml").string());
  ASSERT_FALSE(at_cap.diagnostics.empty());
  EXPECT_EQ(at_cap.diagnostics[0].message.find("larger than"), std::string::npos) << at_cap.diagnostics[0].to_string();

  // In a catalog the same entries are named, and the good file still loads.
  const auto c = load_catalog(dir.string());
  ASSERT_EQ(c.scenarios.size(), 1u);
  EXPECT_EQ(c.scenarios[0].name, "example");
  std::set<std::string> named;
  for (const auto& d : c.diagnostics) named.insert(fs::path(d.file).filename().string());
  EXPECT_EQ(named, (std::set<std::string>{"x.toml", "fifo.toml", "big.toml"}));
  fs::remove_all(dir);
}

TEST(Catalog, SeveralDirectoriesMakeOneCatalogAndANameInTwoIsNamedTwice) {
  const auto base = fs::temp_directory_path() / ("rdpfault-dirs-" + std::to_string(::getpid()));
  fs::create_directories(base / "builtin" / "licensing");
  fs::create_directories(base / "team");
  { std::ofstream(base / "builtin" / "licensing" / "example.toml") << kValid; }
  std::string other = kValid;
  other.replace(other.find("name = \"example\""), 16, "name = \"other\"");
  { std::ofstream(base / "team" / "other.toml") << other; }
  auto c = load_catalogs({(base / "builtin").string(), (base / "team").string()});
  EXPECT_TRUE(c.diagnostics.empty()) << c.diagnostics[0].to_string();
  ASSERT_EQ(c.scenarios.size(), 2u);
  { std::ofstream(base / "team" / "example.toml") << kValid; }
  c = load_catalogs({(base / "builtin").string(), (base / "team").string()});
  ASSERT_EQ(c.scenarios.size(), 2u);
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_NE(c.diagnostics[0].message.find("duplicate scenario name 'example' (also " +
                                          (base / "builtin" / "licensing" / "example.toml").string()),
            std::string::npos)
      << c.diagnostics[0].to_string();
  c = load_catalogs({(base / "missing").string()});
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_NE(c.diagnostics[0].message.find("not a directory"), std::string::npos);
  fs::remove_all(base);
}

// The codes a scenario expects are checked against the tables `rdpfault explain` uses, so a
// typo shows in `rdpfault validate` instead of as a run that can never pass.
TEST(Loader, ExpectedCodesMustBeKnownWithTheClosestSuggested) {
  struct Case {
    std::string from, to, message;
  };
  const Case cases[] = {
      {"freerdp_error = \"ERRINFO_SERVER_DENIED_CONNECTION\"", "freerdp_error = \"ERRINFO_SERVER_DENIED_CONECTION\"",
       "expect.freerdp_error: 'ERRINFO_SERVER_DENIED_CONECTION' is not a FreeRDP error name rdpfault knows (did you mean "
       "'ERRINFO_SERVER_DENIED_CONNECTION'?)"},
      {"freerdp_error = \"ERRINFO_SERVER_DENIED_CONNECTION\"", "freerdp_error = \"ERRCONNECT_SOMETHING_ELSE\"",
       "is not a FreeRDP error name rdpfault knows; `rdpfault explain` lists the codes"},
      {"error_info = 0x7", "error_info = 0x8", "expect.error_info: 0x8 is not an ERRINFO code rdpfault knows"},
      {"code = 0x904", "code = 0x905", "expect.mstsc.code: 0x905 is not an mstsc disconnect code rdpfault knows (did you mean 0x904"},
      {"code = 0x904", "code = 0x12345678", "0x12345678 is not an mstsc disconnect code rdpfault knows (`rdpfault explain` lists the codes)"},
      {"extended = 0x7", "extended = 0x999", "expect.mstsc.extended: 0x999 is not an mstsc extended code"},
  };
  for (const auto& c : cases) {
    std::string text = kValid;
    ASSERT_NE(text.find(c.from), std::string::npos) << c.from;
    text.replace(text.find(c.from), c.from.size(), c.to);
    const auto r = parse_scenario(text, "x.toml");
    ASSERT_EQ(r.diagnostics.size(), 1u) << c.to;
    EXPECT_NE(r.diagnostics[0].message.find(c.message), std::string::npos) << r.diagnostics[0].to_string();
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      ++n;
      if (line == c.to) break;
    }
    EXPECT_EQ(r.diagnostics[0].line, n) << c.to;
  }
  // Known ones pass: an extended code that is an ERRINFO value, and ERRBASE_SUCCESS.
  std::string text = kValid;
  text.replace(text.find("extended = 0x7"), 14, "extended = 0x102");
  text.replace(text.find("freerdp_error = \"ERRINFO_SERVER_DENIED_CONNECTION\""), 50,
               "freerdp_error = \"ERRBASE_SUCCESS\"");
  const auto ok = parse_scenario(text, "x.toml");
  EXPECT_TRUE(ok.scenario) << ok.diagnostics[0].to_string();
}

TEST(Catalog, TheShippedCatalogLoadsAndCoversEveryPhaseGroup) {
  const auto c = load_catalog(RDPFAULT_SOURCE_CATALOG);
  for (const auto& d : c.diagnostics) ADD_FAILURE() << d.to_string();
  EXPECT_GE(c.scenarios.size(), 40u);
  std::set<Phase> phases;
  for (const auto& s : c.scenarios) phases.insert(s.phase);
  for (Phase p : {Phase::tcp_connect, Phase::connection_initiation, Phase::security_upgrade, Phase::licensing,
                  Phase::capabilities_exchange, Phase::active}) {
    EXPECT_TRUE(phases.count(p)) << to_string(p);
  }
  // Sorted by phase, then name.
  for (std::size_t i = 1; i < c.scenarios.size(); ++i) {
    const auto& a = c.scenarios[i - 1];
    const auto& b = c.scenarios[i];
    EXPECT_LE(std::pair(ordinal(a.phase), a.name), std::pair(ordinal(b.phase), b.name));
  }
}

TEST(Catalog, DuplicateNamesAreReported) {
  const auto dir = fs::temp_directory_path() / ("rdpfault-dup-" + std::to_string(::getpid()));
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  std::string text = kValid;
  { std::ofstream(dir / "a" / "example.toml") << text; }
  { std::ofstream(dir / "b" / "example.toml") << text; }
  const auto c = load_catalog(dir.string());
  fs::remove_all(dir);
  EXPECT_EQ(c.scenarios.size(), 1u);
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_NE(c.diagnostics[0].message.find("duplicate scenario name 'example'"), std::string::npos);
}

TEST(DeliberateWait, CountsWhatTheServerHeldTimeoutsAndStays) {
  const auto r = parse_scenario(kValid, "example.toml");
  ASSERT_TRUE(r.scenario);
  const auto& s = *r.scenario;
  // Broken: what the server's faults really held (from the trace) is the wait.
  EXPECT_EQ(deliberate_wait_ms(s.server, s.client, s.expect, 2500), 2500);
  // A fault that never fired (the fixed run of nla-slow-credssp turns NLA off) holds nothing.
  EXPECT_EQ(deliberate_wait_ms(s.server, s.client, s.expect, 0), 0);
  ClientSpec c;
  c.timeout_ms = 7000;
  Expectation hang;
  hang.outcome = Outcome::timed_out;
  hang.phase = Phase::connection_initiation;
  EXPECT_EQ(deliberate_wait_ms(ServerSpec{}, c, hang, 12000), 7000);
  ServerSpec filtered;
  filtered.reachability = Reachability::filtered;
  Expectation fail;
  fail.outcome = Outcome::failed;
  fail.phase = Phase::tcp_connect;
  fail.freerdp_error = "ERRCONNECT_CONNECT_FAILED";
  EXPECT_EQ(deliberate_wait_ms(filtered, c, fail, 0), c.tcp_connect_timeout_ms);
  // A 10 s delay cut short by FreeRDP's 9 s activation timeout waits 9 s.
  Expectation gave_up;
  gave_up.outcome = Outcome::failed;
  gave_up.phase = Phase::licensing;
  gave_up.freerdp_error = "ERRBASE_SUCCESS";
  EXPECT_EQ(deliberate_wait_ms(ServerSpec{}, c, gave_up, 8700), c.activation_timeout_ms);
  // Connected: the held time plus the stay.
  ClientSpec stays;
  stays.stay_ms = 3000;
  EXPECT_EQ(deliberate_wait_ms(ServerSpec{}, stays, Expectation{}, 400), 3400);
}

TEST(Accounts, EachStateMapsToTheNtstatusWindowsSends) {
  EXPECT_EQ(ntstatus_for(AccountState::active), 0u);
  EXPECT_EQ(ntstatus_for(AccountState::locked_out), 0xC0000234u);
  EXPECT_EQ(ntstatus_for(AccountState::disabled), 0xC0000072u);
  EXPECT_EQ(ntstatus_for(AccountState::expired), 0xC0000193u);
  EXPECT_EQ(ntstatus_for(AccountState::password_expired), 0xC0000071u);
  EXPECT_EQ(ntstatus_for(AccountState::must_change_password), 0xC0000224u);
  EXPECT_EQ(ntstatus_for(AccountState::logon_type_not_granted), 0xC000015Bu);
  EXPECT_EQ(ntstatus_for(AccountState::account_restriction), 0xC000006Eu);
  EXPECT_EQ(ntstatus_for(AccountState::access_denied), 0xC0000022u);
  EXPECT_EQ(ntstatus_for(AccountState::invalid_logon_hours), 0xC000006Fu);
  EXPECT_EQ(kStatusLogonFailure, 0xC000006Du);
}

TEST(Accounts, AServerWithAccountsOffersNlaUnlessSecurityIsGiven) {
  std::string text = kValid;
  text.replace(text.find("\n[client]"), 9,
               "\n[[server.accounts]]\nuser = \"bob\"\npassword = \"pw\"\nstate = \"locked_out\"\n\n[client]");
  auto r = parse_scenario(text, "x.toml");
  ASSERT_TRUE(r.scenario) << r.diagnostics[0].to_string();
  ASSERT_EQ(r.scenario->server.accounts.size(), 1u);
  EXPECT_EQ(r.scenario->server.accounts[0].state, AccountState::locked_out);
  const auto& sec = r.scenario->server.security;
  EXPECT_NE(std::find(sec.begin(), sec.end(), SecurityProtocol::nla), sec.end());
  // An unknown state is an error at its line.
  text.replace(text.find("\"locked_out\""), 12, "\"frozen\"");
  r = parse_scenario(text, "x.toml");
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics[0].message.find("unknown value 'frozen'"), std::string::npos);
}

}  // namespace
}  // namespace rdpfault::scenario
