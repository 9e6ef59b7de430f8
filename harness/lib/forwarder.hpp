#pragma once
// A TCP port forwarder on loopback: what an admin adds when "the port is not forwarded".
// Each accepted connection is piped both ways to 127.0.0.1:<target>; it runs on its own thread.
#include <cstdint>
#include <memory>
#include <string>

namespace rdpfault::harness {

class Forwarder {
 public:
  /// Listens on `address`:`port` (0 picks one). Throws std::system_error if it cannot bind.
  Forwarder(const std::string& address, std::uint16_t port, std::uint16_t target);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;
  std::uint16_t port() const;
  /// Closes the listener and every piped connection, then joins the thread (bounded).
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rdpfault::harness
