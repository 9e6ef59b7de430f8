// The command line as a user runs it: `rdpfault serve` in one process, `rdpfault connect`
// in another, and clear errors for wrong flags.
#include <sys/wait.h>

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
  for (const char* cmd : {"serve", "connect", "demo"}) {
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

}  // namespace
}  // namespace rdpfault
