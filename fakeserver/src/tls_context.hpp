#pragma once
#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "rdpfault/fakeserver/server.hpp"

namespace rdpfault::fakeserver {

/// Server TLS context with the leaf certificate, its chain, the version range and a message
/// callback that reports alerts to the session set with SSL_set_msg_callback_arg.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const ServerConfig& config,
                                                            const ServerCertificates& certs);

/// Implemented by the session: called from OpenSSL's message callback.
class AlertObserver {
 public:
  virtual ~AlertObserver() = default;
  virtual void on_alert(bool from_client, int level, int description) = 0;
};

}  // namespace rdpfault::fakeserver
