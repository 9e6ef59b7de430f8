// A real packet filter in a private network namespace (harness/lib/netns.*): SYNs to the port
// vanish for a driver started inside it, the same port on the host's loopback is untouched,
// nothing outlives the object, and the runner says in the trace which technique it used.
// Skipped, with the reason, where no namespace can be made (not root and no unprivileged user
// namespaces, nft missing, RDPFAULT_NO_NETNS set).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "../../harness/lib/netns.hpp"
#include "rdpfault/client/driver.hpp"
#include "rdpfault/fakeserver/trace.hpp"
#include "rdpfault/harness/runner.hpp"
#include "../support/scoped_env.hpp"

namespace rdpfault {
namespace {

constexpr int kConnectTimeoutMs = 1500;

using test::ScopedEnv;

/// A listener on 127.0.0.1 (host namespace) that closes every connection it accepts at once,
/// so a client that reaches it fails fast after its TCP connect (FreeRDP tries again: each
/// attempt is closed too). Stops on join() or after `ms`.
class ClosingListener {
 public:
  explicit ClosingListener(int ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd_, 8) != 0) return;
    if (::pipe2(stop_, O_CLOEXEC) != 0) return;
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this, ms] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
        if (::poll(p, 2, static_cast<int>(left.count()) + 1) < 0 && errno != EINTR) return;
        if (p[1].revents) return;
        if (p[0].revents & POLLIN) {
          const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) ::close(c), ++accepted_;
        }
      }
    });
  }
  ~ClosingListener() {
    join();
    for (int fd : {fd_, stop_[0], stop_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  std::uint16_t port() const { return port_; }
  void join() {
    if (stop_[1] >= 0) ::close(stop_[1]), stop_[1] = -1;
    if (thread_.joinable()) thread_.join();
  }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int stop_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> accepted_{0};
};

ConnectRequest request_to(std::uint16_t port) {
  ConnectRequest req;
  req.host = "127.0.0.1";
  req.port = port;
  req.security = {SecurityProtocol::tls};
  req.tcp_connect_timeout_ms = kConnectTimeoutMs;
  req.timeout_ms = 5000;
  return req;
}

client::RunOptions inside(const harness::FilteredNamespace* ns) {
  client::RunOptions ro;
  ro.driver_path = RDPFAULT_DRIVER_PATH;
  ro.grace_ms = 2000;
  if (ns) {
    ro.netns_path = ns->netns_path();
    ro.userns_path = ns->userns_path();
  }
  return ro;
}

TEST(FilteredNamespace, ProbeHonoursTheOptOut) {
  ScopedEnv off("RDPFAULT_NO_NETNS", "1");
  const auto s = harness::FilteredNamespace::probe();
  EXPECT_FALSE(s.available);
  EXPECT_NE(s.reason.find("RDPFAULT_NO_NETNS"), std::string::npos) << s.reason;
}

TEST(FilteredNamespace, DropsSynsInsideOnlyAndLeavesNothingBehind) {
  const ScopedEnv on("RDPFAULT_NO_NETNS", nullptr);
  const auto support = harness::FilteredNamespace::probe();
  if (!support.available) GTEST_SKIP() << "no private network namespace here: " << support.reason;
  SCOPED_TRACE(support.reason);

  // The same 127.0.0.1:port listens on the host and is filtered inside the namespace.
  ClosingListener host(10000);
  ASSERT_NE(host.port(), 0);
  pid_t helper = -1;
  std::string netns_path;
  {
    harness::FilteredNamespace ns(host.port());
    helper = ns.helper_pid();
    netns_path = ns.netns_path();
    ASSERT_GT(helper, 0);
    EXPECT_EQ(::kill(helper, 0), 0);
    EXPECT_EQ(ns.netns_path(), "/proc/" + std::to_string(helper) + "/ns/net");
    EXPECT_EQ(::geteuid() == 0, ns.userns_path().empty()) << ns.userns_path();
    EXPECT_NE(ns.ruleset().find("tcp dport " + std::to_string(host.port())), std::string::npos) << ns.ruleset();

    const auto r = client::run_driver(request_to(host.port()), inside(&ns));
    EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
    EXPECT_EQ(r.phase_reached, Phase::tcp_connect) << client::describe(r);
    EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_CONNECT_FAILED") << client::describe(r);
    EXPECT_GE(r.elapsed_ms, kConnectTimeoutMs) << client::describe(r);
    EXPECT_EQ(r.tcp_connections, 1) << client::describe(r);
    EXPECT_EQ(host.accepted(), 0) << "the SYN from inside the namespace reached the host's listener";
  }
  // Torn down: the helper is reaped and its namespace file gone.
  errno = 0;
  EXPECT_EQ(::kill(helper, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_NE(::access(netns_path.c_str(), F_OK), 0);

  // Without the namespace the same request reaches the listener at once.
  const auto r = client::run_driver(request_to(host.port()), inside(nullptr));
  host.join();
  EXPECT_GE(host.accepted(), 1) << client::describe(r);
  EXPECT_FALSE(r.outcome == Outcome::failed && r.phase_reached == Phase::tcp_connect &&
               r.freerdp_error_name == "ERRCONNECT_CONNECT_FAILED")
      << client::describe(r);
  EXPECT_NE(r.phase_reached, Phase::tcp_connect) << client::describe(r);
  EXPECT_LT(r.elapsed_ms, kConnectTimeoutMs) << client::describe(r);
}

TEST(FilteredNamespace, EveryPortWhenNoneIsNamed) {
  const ScopedEnv on("RDPFAULT_NO_NETNS", nullptr);
  const auto support = harness::FilteredNamespace::probe();
  if (!support.available) GTEST_SKIP() << "no private network namespace here: " << support.reason;
  harness::FilteredNamespace ns(0);
  EXPECT_EQ(ns.ruleset().find("dport"), std::string::npos) << ns.ruleset();
  auto req = request_to(3389);
  const auto r = client::run_driver(req, inside(&ns));
  EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::tcp_connect) << client::describe(r);
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_CONNECT_FAILED") << client::describe(r);
  EXPECT_GE(r.elapsed_ms, kConnectTimeoutMs) << client::describe(r);
}

TEST(FilteredNamespace, DriverInAMissingNamespaceIsAnOutcome) {
  client::RunOptions ro = inside(nullptr);
  ro.netns_path = "/proc/self/ns/does-not-exist";
  const auto r = client::run_driver(request_to(9), ro);
  EXPECT_EQ(r.outcome, Outcome::crashed) << client::describe(r);
  EXPECT_NE(r.detail.find("does-not-exist"), std::string::npos) << r.detail;
}

/// The runner on a filtered port, with the namespace allowed and forbidden: the symptom is
/// the same and the trace names the technique and the reason.
void expect_filtered_run(const std::string& technique) {
  scenario::ServerSpec server;
  server.reachability = scenario::Reachability::filtered;
  scenario::ClientSpec client;
  client.tcp_connect_timeout_ms = kConnectTimeoutMs;
  client.timeout_ms = 5000;
  scenario::Expectation expect;
  expect.outcome = Outcome::failed;
  expect.phase = Phase::tcp_connect;
  expect.freerdp_error = "ERRCONNECT_CONNECT_FAILED";
  expect.tcp_connections = 1;
  harness::RunnerOptions options;
  options.driver_path = RDPFAULT_DRIVER_PATH;
  const auto rec = harness::run_once(server, client, expect, options);
  EXPECT_TRUE(rec.passed()) << rec.error << client::describe(rec.result);
  int network_events = 0;
  for (const auto& e : rec.trace) {
    if (e.event != "network") continue;
    ++network_events;
    EXPECT_EQ(e.data.value("technique", ""), technique) << e.data.dump();
    EXPECT_FALSE(e.data.value("reason", "").empty()) << e.data.dump();
  }
  EXPECT_EQ(network_events, 1);
}

TEST(FilteredNamespace, RunnerUsesTheNamespaceWhereItCan) {
  const ScopedEnv on("RDPFAULT_NO_NETNS", nullptr);
  const auto support = harness::FilteredNamespace::probe();
  expect_filtered_run(support.available ? "nftables in a private network namespace" : "full accept queue");
}

TEST(FilteredNamespace, RunnerFallsBackToTheAcceptQueue) {
  const ScopedEnv off("RDPFAULT_NO_NETNS", "1");
  expect_filtered_run("full accept queue");
}

}  // namespace
}  // namespace rdpfault
