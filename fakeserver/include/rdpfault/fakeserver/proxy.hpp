#pragma once
/// `rdpfault proxy`: the network conditions of rdpfault::faults in front of any RDP server
/// (a Windows host, xrdp, our own fake server). Each client connection gets a connection to
/// the upstream server and a Link between the two with the faults' stream chains; a
/// PhaseTracker follows the X.224 exchange and the TLS framing to know the phase. Every
/// connection is traced like the fake server's: accepted, upstream, x224_request,
/// negotiation, phase, fault, link, closed.
///
/// Only stream faults can sit in a proxy: it is not the server, so it cannot send a PDU.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdpfault/faults/fault.hpp"
#include "rdpfault/fakeserver/trace.hpp"

namespace rdpfault::fakeserver {

struct ProxyConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0 picks a free port; see Proxy::port().
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 3389;
  /// Stream faults only (Proxy::start throws std::invalid_argument for another kind).
  std::vector<faults::Fault> faults;
  std::uint64_t seed = 1;
  /// Bound on resolving and connecting to the upstream server.
  std::chrono::milliseconds connect_timeout{5000};
  std::shared_ptr<TraceSink> trace;  ///< Null: events are dropped.
};

class Proxy {
 public:
  explicit Proxy(ProxyConfig config);
  ~Proxy();  ///< Stops the proxy.
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  /// Binds, listens and starts the I/O thread. Throws std::system_error if it cannot bind,
  /// std::invalid_argument for a fault that is not a stream fault.
  void start();
  /// Closes the listener and every connection, then joins the I/O thread (bounded: 5 s).
  void stop();

  std::uint16_t port() const noexcept;
  std::uint64_t connections() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rdpfault::fakeserver
