// run_driver with the real driver against tiny raw servers, and with fake drivers that crash
// or hang. Every wait is bounded; ports are ephemeral.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "rdpfault/client/driver.hpp"

namespace rdpfault::client {
namespace {

using namespace std::chrono_literals;

/// A loopback listener on an ephemeral port that runs `on_conn(fd)` for each connection on
/// its own thread, until destroyed.
class RawServer {
 public:
  explicit RawServer(std::function<void(int)> on_conn) : on_conn_(std::move(on_conn)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~RawServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    for (auto& t : conns_) t.join();
  }
  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  bool stopping() const { return stop_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++accepted_;
      conns_.emplace_back([this, c] {
        on_conn_(c);
        ::close(c);
      });
    }
  }
  std::function<void(int)> on_conn_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::vector<std::thread> conns_;
};

/// Reads and discards until the peer closes or `server` stops (bounded polling).
void drain(int fd, const RawServer* server) {
  char buf[4096];
  for (;;) {
    if (server && server->stopping()) return;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
  }
}

ConnectRequest request_for(std::uint16_t port) {
  ConnectRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.security = {SecurityProtocol::tls};
  r.cert_policy = CertPolicy::accept_any;
  r.timeout_ms = 2000;
  return r;
}

RunOptions with_driver() {
  RunOptions o;
  o.driver_path = RDPFAULT_DRIVER_PATH;
  o.grace_ms = 2000;
  return o;
}

TEST(RunDriver, NothingListening) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);  // The port is now free and nothing listens on it.
  auto r = run_driver(request_for(ntohs(a.sin_port)), with_driver());
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_CONNECT_TRANSPORT_FAILED") << describe(r);
  EXPECT_EQ(r.tcp_connections, 2) << "FreeRDP reconnects once on a transport failure";
}

TEST(RunDriver, AcceptAndCloseCountsTheReconnect) {
  RawServer s([](int) {});
  auto r = run_driver(request_for(s.port()), with_driver());
  EXPECT_EQ(r.outcome, Outcome::failed) << describe(r);
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_CONNECT_TRANSPORT_FAILED") << describe(r);
  EXPECT_EQ(r.tcp_connections, 2) << describe(r);
  EXPECT_EQ(s.accepted(), 2);
}

TEST(RunDriver, SilentServerIsCancelledAtTheDeadline) {
  RawServer* self = nullptr;
  RawServer s([&](int fd) { drain(fd, self); });
  self = &s;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_driver(request_for(s.port()), with_driver());
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.outcome, Outcome::timed_out) << describe(r);
  EXPECT_EQ(r.phase_reached, Phase::connection_initiation) << describe(r);
  EXPECT_EQ(r.tcp_connections, 1);
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_CONNECT_CANCELLED") << describe(r);
  EXPECT_LT(took, 4s);
}

TEST(RunDriver, StallInTheTlsHandshakeIsCancelled) {
  RawServer* self = nullptr;
  RawServer s([&](int fd) {
    char buf[512];
    if (::recv(fd, buf, sizeof buf, 0) <= 0) return;  // the X.224 Connection Request
    const unsigned char cc[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34,
                                0x00, 0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00};
    (void)::send(fd, cc, sizeof cc, MSG_NOSIGNAL);
    drain(fd, self);  // the ClientHello, then nothing
  });
  self = &s;
  auto r = run_driver(request_for(s.port()), with_driver());
  EXPECT_EQ(r.outcome, Outcome::timed_out) << describe(r);
  EXPECT_EQ(r.phase_reached, Phase::security_upgrade) << describe(r);
  EXPECT_EQ(r.tcp_connections, 1);
}

class FakeDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rdpfault-fake-driver-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string script(const std::string& body) {
    const auto path = dir_ + "/driver.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
  }
  std::string dir_;
};

TEST_F(FakeDriver, CrashIsAnOutcome) {
  RunOptions o;
  o.driver_path = script("echo '{\"event\":\"phase\",\"phase\":\"security_upgrade\",\"ms\":1}'\nkill -SEGV $$");
  auto r = run_driver(request_for(1), o);
  EXPECT_EQ(r.outcome, Outcome::crashed) << describe(r);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.phase_reached, Phase::security_upgrade);
}

TEST_F(FakeDriver, HangIsKilledAtDeadlinePlusGrace) {
  RunOptions o;
  const auto pidfile = dir_ + "/pid";
  o.driver_path = script("echo $$ > " + pidfile + "\nexec sleep 100");
  o.grace_ms = 300;
  auto req = request_for(1);
  req.timeout_ms = 500;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_driver(req, o);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.outcome, Outcome::timed_out) << describe(r);
  EXPECT_GE(took, 800ms);
  EXPECT_LT(took, 3s);
  // The driver is gone (killed and reaped), not left running.
  pid_t pid = 0;
  std::ifstream(pidfile) >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(FakeDriver, ExitWithoutResultIsACrash) {
  RunOptions o;
  o.driver_path = script("echo oops >&2\nexit 3");
  auto r = run_driver(request_for(1), o);
  EXPECT_EQ(r.outcome, Outcome::crashed);
  EXPECT_EQ(r.signal, 0);
  EXPECT_NE(r.detail.find("status 3"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("oops"), std::string::npos) << r.detail;
}

TEST_F(FakeDriver, PasswordReachesTheDriverOnlyOnStdin) {
  RunOptions o;
  const auto seen = dir_ + "/stdin.json";
  o.driver_path = script("cat > " + seen + "\necho '{\"event\":\"result\",\"outcome\":\"failed\",\"phase_reached\":\"tcp_connect\"}'");
  auto req = request_for(1);
  req.password = "hunter2";
  auto r = run_driver(req, o);
  EXPECT_EQ(r.outcome, Outcome::failed);
  std::ifstream in(seen);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("hunter2"), std::string::npos);
  EXPECT_EQ(describe(r).find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace rdpfault::client
