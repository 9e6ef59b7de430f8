// A broken client never takes the server down: the session closes with the decoder's
// reason (PDU and field) in the trace, and the next client is served.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../support/client_frames.hpp"
#include "../support/server_fixture.hpp"

namespace rdpfault {
namespace {

/// A blocking loopback socket whose reads give up after two seconds.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{2, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const pdu::Bytes& b) { (void)::send(fd_, b.data(), b.size(), MSG_NOSIGNAL); }
  /// Reads until the server closes (true) or the read times out (false).
  bool read_until_closed() {
    std::uint8_t buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

struct BadInput {
  const char* name;
  pdu::Bytes bytes;
  std::string expected_in_error;
};

std::vector<BadInput> bad_inputs() {
  test::ClientFrames c;
  auto bad_neg = c.connection_request();
  bad_neg[bad_neg.size() - 6] = 9;  // rdpNegReq.length
  return {
      {"http_request", {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n'},
       "neither a TPKT nor a fast-path"},
      {"bad_neg_req_length", bad_neg, "x224 connection request: invalid field rdpNegReq.length"},
      {"tpkt_too_short", {0x03, 0x00, 0x00, 0x04}, "tpkt: invalid field length"},
      {"data_before_negotiation", pdu::encode_attach_user_request(), "x224 connection request"},
  };
}

TEST(Robustness, MalformedInputClosesOnlyThatSessionWithTheReason) {
  test::RunningServer s;
  std::size_t closed = 0;
  for (const auto& input : bad_inputs()) {
    SCOPED_TRACE(input.name);
    RawClient c(s.server->port());
    ASSERT_TRUE(c.connected());
    c.send(input.bytes);
    EXPECT_TRUE(c.read_until_closed()) << "the server should close the connection";
    ++closed;
    ASSERT_TRUE(s.wait_for_event("closed", closed, std::chrono::seconds(5)));
    auto errors = s.events_named("protocol_error");
    ASSERT_EQ(errors.size(), closed);
    EXPECT_NE(errors.back().find(input.expected_in_error), std::string::npos) << errors.back();
  }
  // The server goes on: a real client still reaches the active session.
  auto r = client::run_driver(s.request());
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
}

TEST(Robustness, ClientThatVanishesMidSequenceIsTraced) {
  test::RunningServer s;
  {
    RawClient c(s.server->port());
    ASSERT_TRUE(c.connected());
    test::ClientFrames f;
    f.requested = 0;  // Standard RDP Security: no TLS needed for a raw client.
    f.selected = 0;
    c.send(f.connection_request());
  }
  ASSERT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
  auto closed = s.events_named("closed");
  EXPECT_NE(closed[0].find("\"by\":\"client\""), std::string::npos) << closed[0];
  EXPECT_NE(closed[0].find("\"phase\":\"basic_settings_exchange\""), std::string::npos) << closed[0];
}

TEST(Robustness, ServerBoundsEachWaitOnASilentClient) {
  fakeserver::ServerConfig cfg;
  cfg.handshake_timeout = std::chrono::milliseconds(300);
  test::RunningServer s(cfg);
  RawClient c(s.server->port());
  ASSERT_TRUE(c.connected());
  test::ClientFrames f;
  f.requested = 0;  // Standard RDP Security: the raw client can go on without TLS.
  f.selected = 0;
  c.send(f.connection_request());  // Then silence, in basic_settings_exchange.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.read_until_closed()) << "the server should give up on the silent client";
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(1900));
  ASSERT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(2)));
  auto closed = s.events_named("closed");
  // The per-read bound and the whole handshake's are both 300 ms here: the total fires first.
  EXPECT_NE(closed[0].find("the handshake took longer than 300 ms, ending in basic_settings_exchange"), std::string::npos)
      << closed[0];
  EXPECT_NE(closed[0].find("\"by\":\"server\""), std::string::npos) << closed[0];
}

}  // namespace
}  // namespace rdpfault
