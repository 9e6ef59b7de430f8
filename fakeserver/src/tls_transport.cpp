#include "tls_transport.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>

namespace rdpfault::fakeserver {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

int bwrite(BIO* b, const char* data, int len) {
  return static_cast<TlsTransport*>(BIO_get_data(b))->bio_write(data, len);
}
int bread(BIO* b, char* data, int len) { return static_cast<TlsTransport*>(BIO_get_data(b))->bio_read(data, len); }
long bctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }
int bcreate(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

/// One BIO method table for the process, made on first use.
BIO_METHOD* socket_method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rdpfault socket");
    BIO_meth_set_write(meth, bwrite);
    BIO_meth_set_read(meth, bread);
    BIO_meth_set_ctrl(meth, bctrl);
    BIO_meth_set_create(meth, bcreate);
    return meth;
  }();
  return m;
}

error_code ssl_error_code() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  return error_code(static_cast<int>(e), asio::error::get_ssl_category());
}

}  // namespace

TlsTransport::TlsTransport(asio::ip::tcp::socket& socket, SSL_CTX* ctx) : socket_(socket), ssl_(SSL_new(ctx)) {
  socket_.non_blocking(true);
  BIO* bio = BIO_new(socket_method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // The SSL owns the BIO (one reference for both directions).
  SSL_set_accept_state(ssl_);
}

TlsTransport::~TlsTransport() { SSL_free(ssl_); }

int TlsTransport::bio_write(const char* data, int len) {
  BIO* bio = SSL_get_wbio(ssl_);
  BIO_clear_retry_flags(bio);
  std::size_t n = static_cast<std::size_t>(len);
  if (budget_) {
    if (*budget_ == 0) return len;  // Swallowed: the peer never sees these bytes.
    n = std::min(n, *budget_);
  }
  const ssize_t sent = ::send(socket_.native_handle(), data, n, MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
    return -1;
  }
  if (budget_) *budget_ -= static_cast<std::size_t>(sent);
  return static_cast<int>(sent);
}

int TlsTransport::bio_read(char* data, int len) {
  BIO* bio = SSL_get_rbio(ssl_);
  BIO_clear_retry_flags(bio);
  const ssize_t got = ::recv(socket_.native_handle(), data, static_cast<std::size_t>(len), 0);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
    return -1;
  }
  return static_cast<int>(got);  // 0 = the peer closed.
}

asio::awaitable<error_code> TlsTransport::wait_for(int ssl_error, int ret) {
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ: {
      auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, use_nothrow);
      co_return ec;
    }
    case SSL_ERROR_WANT_WRITE: {
      auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, use_nothrow);
      co_return ec;
    }
    case SSL_ERROR_ZERO_RETURN:
      co_return asio::error::eof;  // close_notify
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (ret == 0 || errno == 0) co_return asio::ssl::error::stream_truncated;  // EOF without close_notify
      co_return error_code(errno, boost::system::system_category());
    default:
      co_return ssl_error_code();
  }
}

asio::awaitable<error_code> TlsTransport::handshake() {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) co_return error_code{};
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, r), r)) co_return ec;
  }
}

asio::awaitable<std::pair<error_code, std::size_t>> TlsTransport::read_some(asio::mutable_buffer b) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    const int r = SSL_read_ex(ssl_, b.data(), b.size(), &n);
    if (r == 1) co_return std::make_pair(error_code{}, n);
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, r), r)) co_return std::make_pair(ec, std::size_t{0});
  }
}

asio::awaitable<error_code> TlsTransport::write(asio::const_buffer b) {
  const auto* p = static_cast<const char*>(b.data());
  std::size_t left = b.size();
  while (left > 0) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    const int r = SSL_write_ex(ssl_, p, left, &n);
    if (r == 1) {
      p += n;
      left -= n;
      continue;
    }
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, r), r)) co_return ec;
  }
  co_return error_code{};
}

}  // namespace rdpfault::fakeserver
