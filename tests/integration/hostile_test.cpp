// Hostile clients against the fake server's budgets: a handshake dripped a byte at a time,
// a frame of a thousand Refresh Rects, a client that stops reading its output, too many
// handshakes at once, descriptors running out, protocol shortcuts, garbage instead of a
// ClientHello and a reset after TLS. Each asserts the bound holds and the trace says why.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include "../support/raw_client.hpp"
#include "../support/server_fixture.hpp"

namespace rdpfault {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::size_t count_pdu_out(const test::RunningServer& s, const std::string& pdu) {
  std::size_t n = 0;
  for (const auto& e : s.trace->events()) n += e.event == "pdu_out" && e.data["pdu"] == pdu;
  return n;
}

/// The `closed` event's reason of connection `conn` (waits for it, bounded).
std::string closed_reason(const test::RunningServer& s, std::uint64_t conn, std::chrono::milliseconds timeout = 5s) {
  s.trace->wait_until(
      [&](const auto& ev) {
        for (const auto& e : ev) {
          if (e.event == "closed" && e.conn == conn) return true;
        }
        return false;
      },
      timeout);
  for (const auto& e : s.trace->events_for(conn)) {
    if (e.event == "closed") return e.data.value("by", std::string()) + ": " + e.data.value("reason", std::string());
  }
  return "(not closed)";
}

TEST(Hostile, ADrippedHandshakeHitsTheTotalDeadline) {
  fakeserver::ServerConfig cfg;
  cfg.handshake_timeout = 800ms;
  test::RunningServer s(cfg);
  test::RawClient c(s.server->port());
  ASSERT_TRUE(c.connected());
  test::ClientFrames f;
  f.requested = f.selected = 0;
  auto bytes = f.connection_request();
  const auto ci = f.connect_initial();
  bytes.insert(bytes.end(), ci.begin(), ci.end());
  // One byte every 100 ms: each read is quick, but the handshake never ends.
  const auto t0 = Clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < bytes.size() && Clock::now() - t0 < 5s; ++i) {
    if (!c.send({bytes[i]})) break;
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      std::uint8_t b[512];
      const auto n = ::recv(c.fd(), b, sizeof b, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        closed = true;
        break;
      }
    }
  }
  const auto took = Clock::now() - t0;
  EXPECT_TRUE(closed) << "the server let a dripping client stay " << std::chrono::duration<double>(took).count() << " s";
  EXPECT_LT(took, 2s);
  EXPECT_NE(closed_reason(s, 1).find("server: the handshake took longer than 800 ms"), std::string::npos) << closed_reason(s, 1);
}

TEST(Hostile, AThousandRefreshRectsInOneFrameArePaintedOnce) {
  test::RunningServer s;
  test::RawClient c(s.server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_EQ(c.reach_active(), "");
  ASSERT_TRUE(s.wait_for_pdu_out("bitmap update", 5s));
  // The initial paint: count its updates, and read them off the socket.
  while (c.read_frame()) {
  }
  const auto one_paint = count_pdu_out(s, "bitmap update");
  ASSERT_GT(one_paint, 0u);
  test::ClientFrames f;
  pdu::Bytes shares;
  const pdu::Bytes area = {1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0x03, 0xFF, 0x02};  // one rectangle, 1024x768
  for (int i = 0; i < 1000; ++i) {
    const auto d = pdu::encode_data_pdu(pdu::PduType2::refresh_rect, area, f.share_id, f.user_id);
    shares.insert(shares.end(), d.begin(), d.end());
  }
  ASSERT_TRUE(c.send(pdu::encode_send_data_request(f.user_id, 1003, shares)));
  std::size_t frames = 0;
  while (c.read_frame()) ++frames;  // Until 2 s pass without output.
  EXPECT_EQ(count_pdu_out(s, "bitmap update"), 2 * one_paint) << "one repaint for the frame, not a thousand";
  EXPECT_GE(frames, 1u);
}

TEST(Hostile, AClientThatStopsReadingIsClosedAfterTheOutputTimeout) {
  fakeserver::ServerConfig cfg;
  cfg.output_timeout = 500ms;
  test::RunningServer s(cfg);
  test::RawClient c(s.server->port(), 2s, 4096);
  ASSERT_TRUE(c.connected());
  ASSERT_EQ(c.reach_active(), "");
  timeval tv{0, 200'000};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  test::ClientFrames f;
  const pdu::Bytes area = {1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0x03, 0xFF, 0x02};
  const auto refresh = f.data(pdu::PduType2::refresh_rect, area);
  // Ask for repaints and never read them.
  const auto t0 = Clock::now();
  while (Clock::now() - t0 < 10s && s.events_named("closed").empty()) {
    if (!c.send(refresh)) break;  // Our own send buffer is full too: the server stopped reading us.
  }
  const auto reason = closed_reason(s, 1, 10s);
  EXPECT_NE(reason.find("server: the client stopped reading"), std::string::npos) << reason;
  // Another client is still served.
  test::RawClient other(s.server->port());
  EXPECT_EQ(other.reach_active(), "");
}

TEST(Hostile, HandshakesBeyondTheCapAreClosedAtOnce) {
  fakeserver::ServerConfig cfg;
  cfg.max_pending_handshakes = 2;
  test::RunningServer s(cfg);
  test::RawClient a(s.server->port()), b(s.server->port());
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(s.trace->wait_until(
      [](const auto& ev) {
        int n = 0;
        for (const auto& e : ev) n += e.event == "accepted";
        return n == 2;
      },
      5s));
  test::RawClient third(s.server->port());
  const auto t0 = Clock::now();
  EXPECT_TRUE(third.read_until_closed());
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_NE(closed_reason(s, 3).find("2 connections are already in the handshake"), std::string::npos) << closed_reason(s, 3);
  EXPECT_EQ(s.server->pending_handshakes(), 2u);
  // Once one of them is active, there is room again.
  EXPECT_EQ(a.reach_active(), "");
  test::RawClient fourth(s.server->port());
  EXPECT_EQ(fourth.reach_active(), "");
}

TEST(Hostile, ClientInfoBeforeTheChannelJoinsIsAProtocolError) {
  test::RunningServer s;
  test::RawClient c(s.server->port());
  test::ClientFrames f;
  f.requested = f.selected = 0;
  ASSERT_TRUE(c.send(f.connection_request()) && c.read_frames(1));
  ASSERT_TRUE(c.send(f.connect_initial()) && c.read_frames(1));
  ASSERT_TRUE(c.send(f.client_info()));
  EXPECT_TRUE(c.read_until_closed());
  const auto errors = s.events_named("protocol_error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("client info before erect domain, attach user and the channel joins"), std::string::npos)
      << errors[0];
  EXPECT_TRUE(s.events_named("phase").size() < 5u) << "never reached licensing";
}

TEST(Hostile, GarbageInsteadOfAClientHelloIsNamed) {
  test::RunningServer s;
  test::RawClient c(s.server->port());
  ASSERT_TRUE(c.send(test::ClientFrames{}.connection_request()) && c.read_frames(1));
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.send(pdu::Bytes(http.begin(), http.end())));
  EXPECT_TRUE(c.read_until_closed());
  const auto reason = closed_reason(s, 1);
  EXPECT_NE(reason.find("server: tls client hello:"), std::string::npos) << reason;
  const auto errors = s.events_named("protocol_error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("47 45 54 20"), std::string::npos) << "the first bytes are shown: " << errors[0];
}

TEST(Hostile, AResetAfterTlsIsTracedAsAReset) {
  test::RunningServer s;
  test::RawClient c(s.server->port());
  ASSERT_TRUE(c.send(test::ClientFrames{}.connection_request()) && c.read_frames(1));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, c.fd());
  ASSERT_EQ(SSL_connect(ssl), 1);
  ASSERT_TRUE(s.wait_for_event("tls", 1, 5s));
  c.reset();
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  const auto reason = closed_reason(s, 1);
  EXPECT_NE(reason.find("client: Connection reset by peer"), std::string::npos) << reason;
}

TEST(Hostile, RunningOutOfDescriptorsPausesAcceptingAndTracesOnce) {
  test::RunningServer s;
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Count what this process has open, then leave room for a few connections only.
  int open_fds = 0;
  for (int fd = 0; fd < 4096; ++fd) open_fds += fcntl(fd, F_GETFD) != -1;
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(open_fds + 12);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<std::unique_ptr<test::RawClient>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(std::make_unique<test::RawClient>(s.server->port()));
  // The backlog holds the ones the server could not accept: accept fails with EMFILE.
  const bool failed = s.wait_for_event("accept_failed", 1, 5s);
  const auto cpu0 = s.server->io_thread_cpu_time();
  const auto t0 = Clock::now();
  // A second of running out; the server must not spin.
  s.trace->wait_until([](const auto&) { return false; }, 1s);
  const auto cpu = s.server->io_thread_cpu_time() - cpu0;
  const auto wall = Clock::now() - t0;
  const auto failures = s.events_named("accept_failed").size();
  clients.clear();  // Descriptors come back; accepting resumes.
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_TRUE(failed) << "the descriptor limit was never reached";
  EXPECT_EQ(failures, 1u) << "one trace line per episode, not per try";
  EXPECT_LT(cpu, wall / 10) << "the accept loop spins: " << std::chrono::duration<double, std::milli>(cpu).count() << " ms of CPU";
  EXPECT_TRUE(s.wait_for_event("accept_resumed", 1, 5s));
  auto r = client::run_driver(s.request());
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
}

}  // namespace
}  // namespace rdpfault
