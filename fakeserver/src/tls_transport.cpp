#include "tls_transport.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <utility>
#include <string_view>

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
  SSL_set_app_data(ssl_, this);
}

TlsTransport::~TlsTransport() { SSL_free(ssl_); }

int TlsTransport::bio_write(const char* data, int len) {
  BIO* bio = SSL_get_wbio(ssl_);
  BIO_clear_retry_flags(bio);
  const ssize_t sent = ::send(socket_.native_handle(), data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
    return -1;
  }
  sent_ += static_cast<std::uint64_t>(sent);
  if (SSL_is_init_finished(ssl_)) count_records(data, static_cast<std::size_t>(sent));
  return static_cast<int>(sent);
}

void TlsTransport::count_records(const char* data, std::size_t n) {
  while (n > 0) {
    if (record_left_ > 0) {
      const auto k = std::min(n, record_left_);
      record_left_ -= k;
      data += k;
      n -= k;
      continue;
    }
    header_[header_have_++] = static_cast<std::uint8_t>(*data++);
    --n;
    if (header_have_ == 5) {
      ++app_records_;
      record_left_ = (static_cast<std::size_t>(header_[3]) << 8) | header_[4];
      header_have_ = 0;
    }
  }
}

void TlsTransport::on_keylog_line(const char* line) {
  constexpr std::string_view kLabel = "SERVER_TRAFFIC_SECRET_0 ";
  const std::string_view l(line);
  if (l.rfind(kLabel, 0) != 0) return;
  const auto sp = l.find(' ', kLabel.size());
  if (sp == std::string_view::npos) return;
  const auto hex = l.substr(sp + 1);
  server_secret_.clear();
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    server_secret_.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
}

namespace {

/// HKDF-Expand-Label (RFC 8446 7.1) with an empty context, for lengths up to one hash.
std::vector<std::uint8_t> expand_label(const EVP_MD* md, const std::vector<std::uint8_t>& secret,
                                       std::string_view label, std::size_t len) {
  const std::string full = "tls13 " + std::string(label);
  std::vector<std::uint8_t> info = {static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len),
                                    static_cast<std::uint8_t>(full.size())};
  info.insert(info.end(), full.begin(), full.end());
  info.push_back(0);     // context length
  info.push_back(0x01);  // HKDF-Expand: T(1) = HMAC(PRK, info || 0x01)
  unsigned char t[EVP_MAX_MD_SIZE];
  unsigned int tl = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()), info.data(), info.size(), t, &tl);
  return std::vector<std::uint8_t>(t, t + std::min<std::size_t>(len, tl));
}

}  // namespace

bool TlsTransport::send_fatal_alert(std::uint8_t description) {
  if (SSL_version(ssl_) != TLS1_3_VERSION || server_secret_.empty()) return false;
  const char* suite = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_));
  const EVP_CIPHER* cipher = nullptr;
  const EVP_MD* md = nullptr;
  std::size_t key_len = 0;
  if (std::strcmp(suite, "TLS_AES_128_GCM_SHA256") == 0) {
    cipher = EVP_aes_128_gcm(), md = EVP_sha256(), key_len = 16;
  } else if (std::strcmp(suite, "TLS_AES_256_GCM_SHA384") == 0) {
    cipher = EVP_aes_256_gcm(), md = EVP_sha384(), key_len = 32;
  } else if (std::strcmp(suite, "TLS_CHACHA20_POLY1305_SHA256") == 0) {
    cipher = EVP_chacha20_poly1305(), md = EVP_sha256(), key_len = 32;
  } else {
    return false;
  }
  const auto key = expand_label(md, server_secret_, "key", key_len);
  auto nonce = expand_label(md, server_secret_, "iv", 12);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(app_records_ >> (8 * i));
  // TLSInnerPlaintext: Alert{level fatal, description} || ContentType alert (21).
  const std::uint8_t plain[3] = {2, description, 21};
  std::uint8_t record[5 + 3 + 16] = {23, 3, 3, 0, 3 + 16};
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int outl = 0;
  bool ok = EVP_EncryptInit_ex(c, cipher, nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_EncryptInit_ex(c, nullptr, nullptr, key.data(), nonce.data()) == 1 &&
            EVP_EncryptUpdate(c, nullptr, &outl, record, 5) == 1 &&  // The record header is the AAD.
            EVP_EncryptUpdate(c, record + 5, &outl, plain, 3) == 1 &&
            EVP_EncryptFinal_ex(c, record + 5 + outl, &outl) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, record + 8) == 1;
  EVP_CIPHER_CTX_free(c);
  if (!ok) return false;
  const ssize_t n = ::send(socket_.native_handle(), record, sizeof record, MSG_NOSIGNAL);
  if (n > 0) sent_ += static_cast<std::uint64_t>(n);
  return n == static_cast<ssize_t>(sizeof record);
}

int TlsTransport::bio_read(char* data, int len) {
  BIO* bio = SSL_get_rbio(ssl_);
  BIO_clear_retry_flags(bio);
  const ssize_t got = ::recv(socket_.native_handle(), data, static_cast<std::size_t>(len), 0);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      BIO_set_retry_read(bio);
    } else {
      read_errno_ = errno;  // ECONNRESET and the like: told apart from a clean end below.
    }
    return -1;
  }
  read_errno_ = 0;
  for (ssize_t i = 0; i < got && first_bytes_.size() < 16; ++i) first_bytes_.push_back(static_cast<std::uint8_t>(data[i]));
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
    case SSL_ERROR_SYSCALL: {
      ERR_clear_error();
      (void)ret;  // SSL_read_ex returns 0 on every failure: it says nothing about EOF.
      // The socket's own error when a read failed (a reset), else EOF without close_notify.
      const int e = std::exchange(read_errno_, 0);
      if (e != 0) co_return error_code(e, boost::system::system_category());
      co_return asio::ssl::error::stream_truncated;
    }
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
