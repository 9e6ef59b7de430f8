#include "tls_context.hpp"

#include <stdexcept>
#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls_transport.hpp"

namespace rdpfault::fakeserver {
namespace {

std::string openssl_error(const char* what) {
  std::string s = what;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  return s;
}

void msg_callback(int write_p, int /*version*/, int content_type, const void* buf, std::size_t len, SSL* /*ssl*/,
                  void* arg) {
  if (content_type != SSL3_RT_ALERT || len < 2 || arg == nullptr) return;
  const auto* b = static_cast<const unsigned char*>(buf);
  static_cast<AlertObserver*>(arg)->on_alert(write_p == 0, b[0], b[1]);
}

void keylog_callback(const SSL* ssl, const char* line) {
  if (auto* t = static_cast<TlsTransport*>(SSL_get_app_data(ssl))) t->on_keylog_line(line);
}

}  // namespace

std::unique_ptr<boost::asio::ssl::context> make_tls_context(const ServerConfig& config,
                                                            const ServerCertificates& certs) {
  auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Per-connection buffers go back to the allocator while a session is idle.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  // RDP clients never resume a session: issuing TLS 1.3 tickets would be work for nothing.
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  if (config.tls_min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(native, 0);  // Let old TLS be offered.
  if (!SSL_CTX_set_min_proto_version(native, config.tls_min_version) ||
      !SSL_CTX_set_max_proto_version(native, config.tls_max_version)) {
    throw std::runtime_error(openssl_error("tls: bad protocol version range"));
  }
  if (SSL_CTX_use_certificate(native, certs.leaf.cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(native, certs.leaf.key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error(openssl_error("tls: certificate and key rejected"));
  }
  // Like most RDP hosts, send the leaf alone: the client must already trust its issuer.
  SSL_CTX_set_msg_callback(native, msg_callback);
  // Only a server that must forge a TLS alert (a credssp tls_alert fault) keeps traffic secrets.
  for (const auto& f : config.faults) {
    for (const auto& a : f.unit->actions()) {
      if (std::holds_alternative<faults::SendTlsAlert>(a)) SSL_CTX_set_keylog_callback(native, keylog_callback);
    }
  }
  return ctx;
}

}  // namespace rdpfault::fakeserver
