// The command line as a user runs it: `rdpfault serve` in one process, `rdpfault connect`
// in another, and clear errors for wrong flags.
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;
using test::ChildProcess;

std::string temp_dir() {
  char tmpl[] = "/tmp/rdpfault-cli-XXXXXX";
  return mkdtemp(tmpl);
}

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
    EXPECT_NE(WEXITSTATUS(*status), 0) << c.args.back();
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(c.expected), std::string::npos) << "for " << c.args.back() << ":\n" << text;
  }
  std::filesystem::remove_all(dir);
}

TEST(Cli, EveryCommandHasHelpWithAnExample) {
  for (const char* cmd : {"serve", "connect", "demo", "proxy", "faults"}) {
    const auto log = temp_dir() + "/help.txt";
    ChildProcess p({RDPFAULT_CLI_PATH, cmd, "--help"}, log);
    auto status = p.wait_for(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 0);
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Example"), std::string::npos) << cmd << ":\n" << text;
    std::filesystem::remove_all(std::filesystem::path(log).parent_path());
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

}  // namespace
}  // namespace rdpfault
