// The command line as a user runs it: `rdpfault serve` in one process, `rdpfault connect`
// in another, clear errors for wrong flags, the same exit codes everywhere, files written
// safely, passwords kept off the command line, output that fits the terminal.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/mini_xml.hpp"
#include "../support/process.hpp"
#include "rdpfault/pdu/x224.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;
using test::ChildProcess;

std::string temp_dir() {
  char tmpl[] = "/tmp/rdpfault-cli-XXXXXX";
  return mkdtemp(tmpl);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Ran {
  int status = -1;  ///< Exit status (-1: did not exit in time, or killed by a signal).
  std::string out;  ///< stdout and stderr together.
};

/// Runs `rdpfault ARGS...` with `env` (VAR=value, or -u VAR) through env(1), bounded.
Ran run_cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
            std::chrono::milliseconds timeout = 30s) {
  const auto dir = temp_dir();
  std::vector<std::string> argv = {"env"};
  for (const auto& e : env) {
    if (e.rfind("-u", 0) == 0) {
      argv.push_back("-u");
      argv.push_back(e.substr(2));
    } else {
      argv.push_back(e);
    }
  }
  argv.push_back(RDPFAULT_CLI_PATH);
  argv.insert(argv.end(), args.begin(), args.end());
  Ran r;
  {
    ChildProcess p(argv, dir + "/out.txt");
    auto status = p.wait_for(timeout);
    if (status && WIFEXITED(*status)) r.status = WEXITSTATUS(*status);
  }
  r.out = slurp(dir + "/out.txt");
  std::filesystem::remove_all(dir);
  return r;
}

/// A port with nothing on it (bound, then closed), and a listener that keeps one busy.
class BusyPort {
 public:
  BusyPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(fd_, 1);
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// A program run on a pseudo-terminal of `cols` columns: what a user at a terminal sees.
struct PtyRun {
  int status = -1;
  std::string screen;  ///< Everything written to the terminal, \r and escapes included.
};

PtyRun run_in_pty(const std::vector<std::string>& args, const std::vector<std::string>& env, int cols,
                  std::chrono::milliseconds timeout) {
  PtyRun r;
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return r;
  const std::string slave_name = ::ptsname(master);
  const int slave = ::open(slave_name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  winsize ws{};
  ws.ws_row = 30;
  ws.ws_col = static_cast<unsigned short>(cols);
  ::ioctl(slave, TIOCSWINSZ, &ws);
  std::vector<std::string> argv = {"env"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(RDPFAULT_CLI_PATH);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int fd : {0, 1, 2}) posix_spawn_file_actions_adddup2(&fa, slave, fd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "env", &fa, &attr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(slave);
  if (rc != 0) {
    ::close(master);
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO: every slave end is closed, the program is done.
    r.screen.append(buf, static_cast<std::size_t>(n));
  }
  ::kill(-pid, SIGKILL);  // Only if it is still there (the deadline passed).
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
  ::close(master);
  return r;
}

/// The lines of `text`, split at \n and \r (a terminal's redraws are lines of their own).
std::vector<std::string> screen_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

/// `text` without escape sequences (CSI ... final byte).
std::string without_escapes(const std::string& text) {
  return std::regex_replace(text, std::regex("\x1b\\[[0-9;]*[A-Za-z]"), "");
}

/// The source tree's root, which no help text may name.
std::string source_root() { return std::filesystem::path(RDPFAULT_TEST_DATA).parent_path().parent_path().string(); }

TEST(Cli, ServeAndConnectReportConnected) {
  const auto dir = temp_dir();
  ChildProcess serve({RDPFAULT_CLI_PATH, "serve", "--port", "0", "--exit-after", "1", "--write-ca", dir + "/ca.pem"},
                     dir + "/serve.err", true);
  auto first = serve.read_line(10s);
  ASSERT_TRUE(first) << "serve printed nothing";
  auto hello = nlohmann::json::parse(*first);
  ASSERT_EQ(hello["event"], "listening");
  const int port = hello["port"];
  ASSERT_GT(port, 0);
  EXPECT_EQ(hello["address"], "127.0.0.1");

  const auto out = dir + "/connect.json";
  ChildProcess connect({RDPFAULT_CLI_PATH, "connect", "127.0.0.1:" + std::to_string(port), "--accept-any-cert", "--json"},
                       out);
  auto status = connect.wait_for(30s);
  ASSERT_TRUE(status) << "connect did not finish";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto json_start = text.find('{');
  ASSERT_NE(json_start, std::string::npos) << text;
  auto result = nlohmann::json::parse(text.substr(json_start));
  EXPECT_EQ(result["outcome"], "connected") << text;
  EXPECT_EQ(result["phase_reached"], "active");

  // The server traced the whole connection on stdout and exits after it (--exit-after 1).
  bool saw_active = false, saw_closed = false;
  while (auto line = serve.read_line(10s)) {
    auto e = nlohmann::json::parse(*line);
    saw_active |= e["event"] == "phase" && e["phase"] == "active";
    saw_closed |= e["event"] == "closed";
    EXPECT_TRUE(e.contains("t_us") && e.contains("ts_us") && e.contains("conn"));
  }
  EXPECT_TRUE(saw_active);
  EXPECT_TRUE(saw_closed);
  auto serve_status = serve.wait_for(5s);
  ASSERT_TRUE(serve_status);
  EXPECT_EQ(WEXITSTATUS(*serve_status), 0);
  std::filesystem::remove_all(dir);
}

TEST(Cli, WrongFlagsAreClearErrors) {
  const auto dir = temp_dir();
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const Case cases[] = {
      {{"connect", "127.0.0.1:3389", "--sec", "kerberos"}, "kerberos"},
      {{"connect", "127.0.0.1:99999"}, "not a port number"},
      {{"connect", "127.0.0.1:3389", "--ca", dir + "/missing.pem"}, "missing.pem"},
      {{"connect", "127.0.0.1:3389", "--ca", "/etc/hostname", "--accept-any-cert"}, "excludes"},
      {{"serve", "--stall-in", "licencing"}, "licencing"},
      {{"serve", "--dealy-ms", "5"}, "dealy-ms"},
      {{"serve", "--fault", "latncy:direction=both,latency_ms=5"}, "did you mean 'latency'"},
      {{"serve", "--fault", "delay:phase=active,after_ms=5,delay_ms=10"}, "cannot act in active"},
      {{"serve", "--fault", "latency:direction=both,latency_ms=5,jiter_ms=2"}, "jiter_ms: unknown key for kind 'latency' (did you mean 'jitter_ms'?)"},
      {{"serve", "--fault", "close:phase=licensing", "--fault", "delay:phase=licensing,delay_ms=5"}, "never fires"},
      {{"serve", "--tls-cut-after", "-5"}, "tls-cut-after"},
      {{"proxy", "--upstream", "127.0.0.1:3389", "--fault", "error_info:phase=licensing,error_info=7"}, "acts inside the server"},
      {{"proxy", "--upstream", "127.0.0.1:3389", "--fault", "reset:direction=to_client,during=licensing"}, "cannot tell the phases inside TLS apart"},
      {{"proxy", "--upstream", "127.0.0.1:3389", "--scenario", "tls-cert-expired"}, "no network condition"},
      {{"proxy", "--fault", "latency:direction=both,latency_ms=5"}, "upstream"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {RDPFAULT_CLI_PATH};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto log = dir + "/err.txt";
    ChildProcess p(argv, log);
    auto status = p.wait_for(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 2) << "a usage error: " << c.args.back();
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(c.expected), std::string::npos) << "for " << c.args.back() << ":\n" << text;
  }
  std::filesystem::remove_all(dir);
}

// Every subcommand's --help has an example of that subcommand, and no help names the
// absolute path of the build or the sources (a moved or installed binary has neither).
TEST(Cli, EveryCommandHasHelpWithItsOwnExampleAndNoBuildPath) {
  for (const char* cmd : {"run", "list", "serve", "explain", "validate", "docs", "faults", "proxy", "connect", "demo",
                          "version"}) {
    const auto r = run_cli({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd;
    const auto at = r.out.find("Example");
    ASSERT_NE(at, std::string::npos) << cmd << ":\n" << r.out;
    EXPECT_NE(r.out.find(std::string("rdpfault ") + cmd, at), std::string::npos) << cmd << "'s own example:\n" << r.out;
    EXPECT_NE(r.out.find(std::string("Usage: rdpfault ") + cmd), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(source_root()), std::string::npos) << cmd << " names " << source_root() << ":\n" << r.out;
  }
  const auto top = run_cli({"--help"});
  EXPECT_EQ(top.status, 0);
  EXPECT_EQ(top.out.find(source_root()), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("Usage: rdpfault [OPTIONS]"), std::string::npos) << top.out;
  for (const char* section : {"Exit status:", "RDPFAULT_CATALOG", "RDPFAULT_DRIVER", "RDPFAULT_NO_NETNS", "NO_COLOR"}) {
    EXPECT_NE(top.out.find(section), std::string::npos) << section;
  }
}

// `rdpfault faults` lists every kind from the registry, as text and as JSON.
TEST(Cli, FaultsListsEveryKind) {
  const auto dir = temp_dir();
  ChildProcess p({RDPFAULT_CLI_PATH, "faults", "--json"}, dir + "/faults.json");
  auto status = p.wait_for(10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  std::ifstream in(dir + "/faults.json");
  const auto j = nlohmann::json::parse(in);
  std::vector<std::string> names;
  for (const auto& k : j["kinds"]) names.push_back(k["name"]);
  for (const char* kind : {"close", "reset", "stall", "delay", "error_info", "ultimatum", "license_error", "tls_alert",
                           "latency", "bandwidth", "slicer", "slow_close", "mtu_blackhole"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), kind), names.end()) << kind;
  }
  std::filesystem::remove_all(dir);
}

// `rdpfault proxy` in front of `rdpfault serve`, both as a user runs them: a healthy run
// through the proxy, and one it resets once TLS starts.
TEST(Cli, ProxyInFrontOfServe) {
  const auto dir = temp_dir();
  ChildProcess serve({RDPFAULT_CLI_PATH, "serve", "--port", "0", "--exit-after", "2"}, dir + "/serve.err", true);
  auto hello = serve.read_line(10s);
  ASSERT_TRUE(hello);
  const int port = nlohmann::json::parse(*hello)["port"];
  ChildProcess proxy({RDPFAULT_CLI_PATH, "proxy", "--upstream", "127.0.0.1:" + std::to_string(port), "--exit-after", "1",
                      "--fault", "reset:direction=to_server,during=security_upgrade", "--seed", "9"},
                     dir + "/proxy.err", true);
  auto phello = proxy.read_line(10s);
  ASSERT_TRUE(phello);
  const auto ph = nlohmann::json::parse(*phello);
  EXPECT_EQ(ph["by"], "proxy");
  EXPECT_EQ(ph["seed"], 9);
  ASSERT_EQ(ph["faults"].size(), 1u);
  const int pport = ph["port"];
  ChildProcess connect({RDPFAULT_CLI_PATH, "connect", "127.0.0.1:" + std::to_string(pport), "--accept-any-cert", "--json",
                        "--sec", "tls"},
                       dir + "/connect.json");
  auto status = connect.wait_for(30s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 1) << "the connection failed";
  bool saw_fault = false, saw_closed_by_network = false;
  while (auto line = proxy.read_line(10s)) {
    const auto e = nlohmann::json::parse(*line);
    saw_fault |= e["event"] == "fault" && e["kind"] == "reset";
    saw_closed_by_network |= e["event"] == "closed" && e["by"] == "network";
  }
  EXPECT_TRUE(saw_fault);
  EXPECT_TRUE(saw_closed_by_network);
  std::filesystem::remove_all(dir);
}

// On a terminal, `run` keeps one progress line that moves every second through a long
// deliberate wait (elapsed time of the run and of the running scenario) and never wraps,
// and the results fit the terminal's width.
TEST(Cli, RunOnATerminalShowsAMovingProgressLineThatFits) {
  constexpr int kCols = 60;
  const auto r = run_in_pty({"run", "slow-tls", "--jobs", "1"}, {"NO_COLOR=1"}, kCols, 90s);
  ASSERT_EQ(r.status, 0) << r.screen;
  std::set<std::string> clocks;
  const std::regex progress(R"(^\[0/1\] 0 failed, (0:\d\d) elapsed \| running: slow-tls 0:\d\d$)");
  for (const auto& raw : screen_lines(r.screen)) {
    const auto line = without_escapes(raw);
    std::size_t cols = 0;  // Display columns: UTF-8 lead bytes (the output is ASCII or UTF-8).
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80 ? 1 : 0;
    EXPECT_LE(cols, static_cast<std::size_t>(kCols)) << "wider than the terminal: '" << line << "'";
    std::smatch m;
    if (std::regex_match(line, m, progress)) clocks.insert(m[1]);
  }
  // slow-tls holds its TLS handshake for seconds: the clock must have moved at least twice.
  EXPECT_GE(clocks.size(), 3u) << without_escapes(r.screen);
  EXPECT_NE(r.screen.find("slow-tls"), std::string::npos);
  EXPECT_NE(r.screen.find("1 scenarios: 1 passed, 0 failed"), std::string::npos) << without_escapes(r.screen);
}

// A shard with nothing in it (more CI jobs than scenarios) still writes the reports it was asked for.
TEST(Cli, AnEmptyShardWritesEmptyReports) {
  const auto dir = temp_dir();
  const auto r = run_cli({"run", "tls-cert-expired", "--shard", "2/2", "--junit", dir + "/r.xml", "--json", dir + "/r.json"});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("shard 2/2 of 1 scenario(s) is empty"), std::string::npos) << r.out;
  const auto x = test::parse_xml(slurp(dir + "/r.xml"));
  EXPECT_EQ(x.attrs.at("tests"), "0");
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/r.json"))["total"], 0);
  std::filesystem::remove_all(dir);
}

TEST(Cli, ABadShardIsAUsageErrorNamingIt) {
  for (const char* bad : {"3/2", "0/4", "x", "1/", "2/4x"}) {
    const auto r = run_cli({"run", "--all", "--shard", bad});
    EXPECT_EQ(r.status, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find(std::string("--shard ") + bad), std::string::npos) << r.out;
  }
}

// `--json -`: the report on stdout, self-describing (schema, versions, when, where), the table
// on stderr.
TEST(Cli, JsonToStdoutIsSelfDescribingAndTheTableGoesToStderr) {
  const auto dir = temp_dir();
  ChildProcess p({RDPFAULT_CLI_PATH, "run", "tls-cert-expired", "--json", "-"}, dir + "/stderr.txt", true);
  std::string json;
  while (auto line = p.read_line(60s)) json += *line + "\n";
  const auto status = p.wait_for(30s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["passed"], 1);
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  EXPECT_FALSE(j["host"].get<std::string>().empty());
  EXPECT_TRUE(std::regex_match(j["started_utc"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << j["started_utc"];
  EXPECT_EQ(j["client"]["name"], "freerdp-lib");
  EXPECT_EQ(j["client"]["version"].get<std::string>().rfind("2.11", 0), 0u) << j["client"];
  const auto err = slurp(dir + "/stderr.txt");
  EXPECT_NE(err.find("1 scenarios: 1 passed, 0 failed"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/-"));
  std::filesystem::remove_all(dir);
}

// Scenario files from anywhere: the built-in catalog plus a team's directory, a file named on
// the command line, a bad file reported with file:line:col while the valid ones still run
// (exit 2), and --strict running none.
TEST(Cli, ScenarioFilesFromAnywhere) {
  const auto dir = temp_dir();
  std::filesystem::create_directories(dir + "/team");
  auto text = slurp(std::string(RDPFAULT_TEST_DATA) + "/../../scenarios/catalog/security_upgrade/tls-cert-expired.toml");
  const auto at = text.find("name = \"tls-cert-expired\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("name = \"tls-cert-expired\"").size(), "name = \"team-cert-expired\"");
  { std::ofstream(dir + "/team/team-cert-expired.toml") << text; }
  { std::ofstream(dir + "/team/bad.toml") << "schema = 1\nname = \"bad\"\nsumary = \"typo\"\n"; }

  const auto listed = run_cli({"list", "--names", "--catalog", "builtin", "--catalog", dir + "/team"});
  EXPECT_EQ(listed.status, 2) << "a bad file in a catalog is exit 2\n" << listed.out;
  EXPECT_NE(listed.out.find("team-cert-expired\n"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("tls-cert-expired\n"), std::string::npos) << listed.out;
  EXPECT_TRUE(std::regex_search(listed.out, std::regex(R"(bad\.toml:\d+:\d+: )"))) << listed.out;

  const auto ran = run_cli({"run", "--catalog", dir + "/team", "team-cert-expired"}, {}, 60s);
  EXPECT_EQ(ran.status, 2) << ran.out;
  EXPECT_NE(ran.out.find("1 scenarios: 1 passed, 0 failed"), std::string::npos) << "the valid one still ran\n" << ran.out;

  const auto strict = run_cli({"run", "--strict", "--catalog", dir + "/team", "team-cert-expired"});
  EXPECT_EQ(strict.status, 2) << strict.out;
  EXPECT_NE(strict.out.find("nothing run (--strict)"), std::string::npos) << strict.out;

  const auto file = run_cli({"run", dir + "/team/team-cert-expired.toml"}, {}, 60s);
  EXPECT_EQ(file.status, 0) << file.out;
  EXPECT_NE(file.out.find("1 scenarios: 1 passed, 0 failed"), std::string::npos) << file.out;

  const auto validated = run_cli({"validate", dir + "/team/bad.toml"});
  EXPECT_EQ(validated.status, 1) << "problems found: exit 1\n" << validated.out;
  std::filesystem::remove_all(dir);
}

// One set of exit codes: 0 ok, 1 findings, 2 usage (CLI11's own codes never leak), 3 environment.
TEST(Cli, ExitCodesAreTheSameEverywhere) {
  EXPECT_EQ(run_cli({"explain", "ERRINFO_SERVER_DENIED_CONNECTION"}).status, 0);
  EXPECT_EQ(run_cli({"explain", "0x7777"}).status, 1) << "no code matched";
  const auto typo = run_cli({"sevre"});
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.out.find("unknown command 'sevre' (did you mean 'serve'?)"), std::string::npos) << typo.out;
  const auto flag = run_cli({"run", "--jsno", "x.json", "--all"});
  EXPECT_EQ(flag.status, 2);
  EXPECT_NE(flag.out.find("'--jsno'"), std::string::npos) << flag.out;
  EXPECT_NE(flag.out.find("did you mean '--json'"), std::string::npos) << flag.out;
  EXPECT_EQ(run_cli({"serve", "--port", "70000"}).status, 2);
  EXPECT_EQ(run_cli({"run", "--all", "--driver", "/nonexistent/rdpfault-driver"}).status, 2);
  EXPECT_EQ(run_cli({"--version"}).status, 0);
  EXPECT_EQ(run_cli({"version"}).status, 0);
  // A port in use is the environment's problem.
  BusyPort busy;
  const auto in_use = run_cli({"serve", "--port", std::to_string(busy.port()), "--exit-after", "1"});
  EXPECT_EQ(in_use.status, 3) << in_use.out;
  EXPECT_EQ(in_use.out.find("/usr/include"), std::string::npos) << "no library source path\n" << in_use.out;
}

/// Processes whose environment holds `needle` (e.g. "TMPDIR=/tmp/x"): what a run left running.
std::vector<int> processes_with_env(const std::string& needle) {
  std::vector<int> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto env = slurp(e.path().string() + "/environ");
    std::size_t at = 0;
    while (at < env.size()) {
      const auto end = env.find('\0', at);
      if (env.compare(at, (end == std::string::npos ? env.size() : end) - at, needle) == 0) {
        out.push_back(std::stoi(name));
        break;
      }
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  return out;
}

enum class StopPoint { before_any_scenario, while_a_driver_runs, after_the_first_result };

class RunStopped : public ::testing::TestWithParam<std::tuple<StopPoint, int>> {};

// Ctrl-C (SIGINT to the whole process group) or SIGTERM at three points of a run: it ends at
// once with 128+signal, both reports are written and say which scenarios were interrupted,
// and no driver, server or temporary directory is left behind.
TEST_P(RunStopped, LeavesNothingBehindAndReportsWhatItDid) {
  const auto [point, sig] = GetParam();
  const auto dir = temp_dir();
  const auto tmp = dir + "/tmp";
  std::filesystem::create_directory(tmp);
  // One quick scenario and three that hold their handshake for seconds.
  ChildProcess p({"env", "TMPDIR=" + tmp, "sh", "-c", "exec \"$0\" \"$@\" 2>&1", RDPFAULT_CLI_PATH, "run", "-v",
                  "--jobs", "2", "tls-cert-expired", "slow-tls", "nla-slow-credssp", "slow-licensing", "--json",
                  dir + "/r.json", "--junit", dir + "/r.xml"},
                 dir + "/log.txt", true);
  ASSERT_TRUE(p.started());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  std::string seen;
  auto wait_for_line = [&](const std::string& needle) {
    while (auto line = p.read_line(left())) {
      seen += *line + "\n";
      if (line->find(needle) != std::string::npos) return true;
    }
    return false;
  };
  switch (point) {
    case StopPoint::before_any_scenario:
      ASSERT_TRUE(wait_for_line("scenario(s), 2 at a time")) << seen;
      break;
    case StopPoint::while_a_driver_runs: {
      ASSERT_TRUE(wait_for_line("rdpfault: driver ")) << seen;
      bool driver = false;
      while (!driver && left().count() > 0) {  // Bounded: a driver starts within a second.
        for (int pid : processes_with_env("TMPDIR=" + tmp)) {
          driver |= slurp("/proc/" + std::to_string(pid) + "/comm").rfind("rdpfault-driver", 0) == 0;
        }
        if (!driver) std::this_thread::sleep_for(5ms);  // Polling /proc, not synchronisation.
      }
      ASSERT_TRUE(driver) << seen;
      break;
    }
    case StopPoint::after_the_first_result:
      ASSERT_TRUE(wait_for_line("PASS ")) << seen;
      break;
  }
  ASSERT_EQ(::kill(-p.pid(), sig), 0);  // The whole group, as a terminal's Ctrl-C does.
  while (auto line = p.read_line(left())) seen += *line + "\n";
  const auto status = p.wait_for(left());
  ASSERT_TRUE(status) << "run did not stop\n" << seen;
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status) << "\n" << seen;
  EXPECT_EQ(WEXITSTATUS(*status), 128 + sig) << seen;
  EXPECT_NE(seen.find(sig == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM"), std::string::npos) << seen;

  // Nothing left: every process of the run gone (a driver dies with its parent), no temporary
  // directory (the CA's, the drivers' configuration) left in TMPDIR.
  std::vector<int> stragglers = processes_with_env("TMPDIR=" + tmp);
  while (!stragglers.empty() && left().count() > 0) {
    std::this_thread::sleep_for(5ms);  // A killed child may need a moment to be reaped by init.
    stragglers = processes_with_env("TMPDIR=" + tmp);
  }
  EXPECT_TRUE(stragglers.empty()) << stragglers.size() << " process(es) left, first pid " << stragglers.front();
  std::vector<std::string> leftovers;
  for (const auto& e : std::filesystem::directory_iterator(tmp)) leftovers.push_back(e.path().string());
  EXPECT_TRUE(leftovers.empty()) << leftovers.front();

  const auto j = nlohmann::json::parse(slurp(dir + "/r.json"));
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["total"], 4);
  EXPECT_GE(j["interrupted"].get<int>(), 1);
  EXPECT_EQ(j["failed"], 0) << "an interrupted scenario is not a failure";
  EXPECT_EQ(j["passed"].get<int>() + j["interrupted"].get<int>(), 4);
  // Only the quick tls-cert-expired can have finished; the slow ones hold for seconds.
  EXPECT_LE(j["passed"].get<int>(), 1);
  if (point == StopPoint::after_the_first_result) {
    EXPECT_EQ(j["passed"], 1);
  }
  const auto x = test::parse_xml(slurp(dir + "/r.xml"));
  const auto suites = x.all("testsuite");
  ASSERT_EQ(suites.size(), 1u);
  EXPECT_EQ(suites[0]->attrs.at("skipped"), std::to_string(j["interrupted"].get<int>()));
  EXPECT_EQ(suites[0]->attrs.at("failures"), "0");
  std::filesystem::remove_all(dir);
}

std::string stop_point_name(const ::testing::TestParamInfo<std::tuple<StopPoint, int>>& param) {
  static const char* const kNames[] = {"before_any_scenario", "while_a_driver_runs", "after_the_first_result"};
  return std::string(kNames[static_cast<int>(std::get<0>(param.param))]) +
         (std::get<1>(param.param) == SIGINT ? "_sigint" : "_sigterm");
}

INSTANTIATE_TEST_SUITE_P(
    Points, RunStopped,
    ::testing::Values(std::make_tuple(StopPoint::before_any_scenario, SIGINT),
                      std::make_tuple(StopPoint::while_a_driver_runs, SIGINT),
                      std::make_tuple(StopPoint::while_a_driver_runs, SIGTERM),
                      std::make_tuple(StopPoint::after_the_first_result, SIGINT)),
    stop_point_name);

}  // namespace
}  // namespace rdpfault
