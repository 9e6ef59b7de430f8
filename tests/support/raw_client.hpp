#pragma once
// A hostile or merely minimal client of our own: a blocking loopback socket (reads give up
// after `timeout`), TPKT framing, and the whole sequence to the active session over Standard
// RDP Security (no TLS), built with the project's encoders.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "client_frames.hpp"

namespace rdpfault::test {

class RawClient {
 public:
  explicit RawClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(2),
                     std::optional<int> rcvbuf = std::nullopt) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (rcvbuf) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &*rcvbuf, sizeof *rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool send(const pdu::Bytes& b) { return ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size()); }
  /// One TPKT frame, or nullopt on timeout, close or garbage.
  std::optional<pdu::Bytes> read_frame() {
    pdu::Bytes head(4);
    if (!read_exact(head)) return std::nullopt;
    if (head[0] != 3) return std::nullopt;
    const std::size_t len = (std::size_t{head[2]} << 8) | head[3];
    if (len < 4) return std::nullopt;
    pdu::Bytes rest(len - 4);
    if (!read_exact(rest)) return std::nullopt;
    head.insert(head.end(), rest.begin(), rest.end());
    return head;
  }
  bool read_frames(int n) {
    for (int i = 0; i < n; ++i) {
      if (!read_frame()) return false;
    }
    return true;
  }
  /// Reads until the server closes (true) or a read times out (false).
  bool read_until_closed() {
    std::uint8_t buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }
  /// Resets the connection (RST): SO_LINGER 0, then close.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_), fd_ = -1;
  }

  /// The whole sequence over Standard RDP Security; "" when the session is active.
  std::string reach_active() {
    ClientFrames f;
    f.requested = f.selected = 0;
    if (!send(f.connection_request()) || !read_frames(1)) return "x224";
    if (!send(f.connect_initial()) || !read_frames(1)) return "mcs connect";
    if (!send(pdu::encode_erect_domain_request()) || !send(pdu::encode_attach_user_request()) || !read_frames(1)) {
      return "attach user";
    }
    for (auto ch : f.joins()) {
      if (!send(f.join(ch)) || !read_frames(1)) return "channel join";
    }
    if (!send(f.client_info()) || !read_frames(2)) return "licensing";
    for (const auto& b : {f.confirm_active(), f.synchronize(), f.cooperate(), f.request_control()}) {
      if (!send(b)) return "finalization";
    }
    if (!read_frames(3)) return "finalization";
    if (!send(f.font_list()) || !read_frames(1)) return "font map";
    return "";
  }

 private:
  bool read_exact(pdu::Bytes& b) {
    std::size_t got = 0;
    while (got < b.size()) {
      const ssize_t n = ::recv(fd_, b.data() + got, b.size() - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace rdpfault::test
