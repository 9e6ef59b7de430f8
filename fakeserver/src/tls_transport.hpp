#pragma once
// TLS on a non-blocking socket: OpenSSL reads and writes the socket itself through a small
// BIO of ours, and Asio only says when the socket is ready. Compared with asio::ssl::stream
// this keeps no fixed 2 x 17 KiB record buffers and no BIO pair per connection, so an idle
// session costs a few KiB (SSL_MODE_RELEASE_BUFFERS). (Network conditions on these bytes —
// a handshake cut short, latency — sit below, in a Link; see link.hpp.)
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <openssl/ssl.h>

namespace rdpfault::fakeserver {

class TlsTransport {
 public:
  /// `socket` must outlive this object; it is switched to non-blocking mode.
  TlsTransport(boost::asio::ip::tcp::socket& socket, SSL_CTX* ctx);
  ~TlsTransport();
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  SSL* native_handle() noexcept { return ssl_; }

  /// Sends close_notify if the socket takes it now; never waits.
  void shutdown_quietly() noexcept {
    if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  }

  /// Bytes this transport has put on the socket (handshake, records, a forged alert).
  std::uint64_t sent() const noexcept { return sent_; }
  /// The first bytes the peer sent (up to 16), for the trace when they were no ClientHello.
  const std::vector<std::uint8_t>& first_bytes() const noexcept { return first_bytes_; }

  /// Sends a fatal TLS alert (e.g. 80, internal_error) as OpenSSL would, then nothing more.
  /// OpenSSL has no public call for an arbitrary alert, so the record is sealed here with the
  /// server's TLS 1.3 application traffic key (from the key log callback, enabled only when a
  /// scenario asks for this fault) and the record count since the handshake. False when that
  /// is not possible (TLS 1.2, no secret): the caller then just closes.
  bool send_fatal_alert(std::uint8_t description);
  /// Key log callback target: "SERVER_TRAFFIC_SECRET_0 <random> <secret>".
  void on_keylog_line(const char* line);

  boost::asio::awaitable<boost::system::error_code> handshake();
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_some(boost::asio::mutable_buffer b);
  boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer b);

  // Used by the BIO callbacks.
  int bio_write(const char* data, int len);
  int bio_read(char* data, int len);

 private:
  /// Waits for what `ssl_error` says OpenSSL needs; returns an error for anything else.
  boost::asio::awaitable<boost::system::error_code> wait_for(int ssl_error, int ret);

  /// Counts the TLS records written once the handshake is complete (their sequence numbers).
  void count_records(const char* data, std::size_t n);

  boost::asio::ip::tcp::socket& socket_;
  SSL* ssl_ = nullptr;
  std::uint64_t sent_ = 0;
  int read_errno_ = 0;  ///< errno of the socket's last failed read (OpenSSL's own may be clobbered).
  std::vector<std::uint8_t> first_bytes_;
  std::vector<std::uint8_t> server_secret_;
  std::uint64_t app_records_ = 0;
  std::uint8_t header_[5] = {};
  std::size_t header_have_ = 0;
  std::size_t record_left_ = 0;
};

}  // namespace rdpfault::fakeserver
