// NLA end to end: the real FreeRDP client authenticates with CredSSP/NTLM against the fake
// server; what the server traces never holds a password.
#include <sys/wait.h>

#include <fstream>
#include <future>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/server_fixture.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;
using test::RunningServer;

constexpr const char* kPassword = "C0rrect-Horse!";

fakeserver::ServerConfig nla_config() {
  fakeserver::ServerConfig cfg;
  cfg.acceptor.allow_nla = true;
  cfg.accounts.push_back({"alice", "", kPassword, scenario::AccountState::active});
  return cfg;
}

ConnectRequest nla_request(const RunningServer& s, std::string password) {
  auto req = s.request();
  req.security = {SecurityProtocol::nla};
  req.username = "alice";
  req.password = std::move(password);
  return req;
}

bool trace_contains(const fakeserver::MemoryTrace& t, const std::string& needle) {
  for (const auto& e : t.events()) {
    if (e.to_json_line().find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Nla, RightPasswordReachesTheActiveSessionWrongOneIsALogonFailure) {
  RunningServer s(nla_config());
  auto ok = client::run_driver(nla_request(s, kPassword));
  EXPECT_EQ(ok.outcome, Outcome::connected) << client::describe(ok);
  auto bad = client::run_driver(nla_request(s, "guess"));
  EXPECT_EQ(bad.outcome, Outcome::failed) << client::describe(bad);
  EXPECT_EQ(bad.phase_reached, Phase::credssp);
  EXPECT_EQ(bad.freerdp_error_name, "ERRCONNECT_LOGON_FAILURE");
  EXPECT_EQ(bad.tcp_connections, 1);  // An errorCode sets the error: no reconnect.
  // The server traced the user and the outcome, never a password.
  EXPECT_TRUE(trace_contains(*s.trace, "\"authenticated\""));
  EXPECT_TRUE(trace_contains(*s.trace, "\"user\":\"alice\""));
  EXPECT_FALSE(trace_contains(*s.trace, kPassword));
  EXPECT_FALSE(trace_contains(*s.trace, "guess"));
}

TEST(Nla, EveryCredSspVersionFromTwoToSixAuthenticates) {
  for (std::uint32_t v = 2; v <= 6; ++v) {
    auto cfg = nla_config();
    cfg.credssp_version = v;
    RunningServer s(cfg);
    auto r = client::run_driver(nla_request(s, kPassword));
    EXPECT_EQ(r.outcome, Outcome::connected) << "version " << v << "\n" << client::describe(r);
  }
}

TEST(Nla, FiftyParallelNlaLogonsAllReachTheActiveSession) {
  RunningServer s(nla_config());
  constexpr int kClients = 50;
  EXPECT_EQ(test::connect_in_parallel(nla_request(s, kPassword), kClients), kClients);
  int authenticated = 0;
  for (const auto& e : s.trace->events()) authenticated += e.event == "logon" && e.data.value("via", "") == "nla";
  EXPECT_EQ(authenticated, kClients);
}

TEST(Nla, CliServeWithAnAccountAndConnectWithNla) {
  char tmpl[] = "/tmp/rdpfault-nla-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  test::ChildProcess serve({RDPFAULT_CLI_PATH, "serve", "--port", "0", "--user", "alice", "--password", kPassword,
                            "--exit-after", "2", "--format", "json"},
                           dir + "/serve.err", true);
  auto first = serve.read_line(10s);
  ASSERT_TRUE(first);
  const int port = nlohmann::json::parse(*first)["port"];
  auto connect = [&](const std::string& pw, const std::string& out) {
    test::ChildProcess c({RDPFAULT_CLI_PATH, "connect", "127.0.0.1:" + std::to_string(port), "--sec", "nla", "--user",
                          "alice", "--password", pw, "--accept-any-cert", "--json"},
                         dir + "/" + out);
    auto st = c.wait_for(30s);
    std::ifstream in(dir + "/" + out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::make_pair(st, text);
  };
  auto [ok_status, ok_text] = connect(kPassword, "ok.txt");
  ASSERT_TRUE(ok_status);
  EXPECT_TRUE(WIFEXITED(*ok_status) && WEXITSTATUS(*ok_status) == 0) << ok_text;
  ASSERT_NE(ok_text.find('{'), std::string::npos) << ok_text;
  EXPECT_EQ(nlohmann::json::parse(ok_text.substr(ok_text.find('{')))["outcome"], "connected") << ok_text;
  auto [bad_status, bad_text] = connect("wrong", "bad.txt");
  ASSERT_TRUE(bad_status);
  EXPECT_TRUE(WIFEXITED(*bad_status) && WEXITSTATUS(*bad_status) == 1) << bad_text;
  EXPECT_NE(bad_text.find("ERRCONNECT_LOGON_FAILURE"), std::string::npos) << bad_text;
  std::string trace;
  while (auto line = serve.read_line(10s)) trace += *line + "\n";
  EXPECT_NE(trace.find("\"credssp\""), std::string::npos) << trace;
  EXPECT_EQ(trace.find(kPassword), std::string::npos) << "the password reached the trace";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rdpfault
