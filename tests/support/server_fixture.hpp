#pragma once
// A fake server on 127.0.0.1:0 with an in-memory trace and its CA written to a temporary
// file the client driver can trust.
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <vector>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "rdpfault/client/driver.hpp"
#include "rdpfault/fakeserver/server.hpp"

namespace rdpfault::test {

/// Runs `n` copies of `req` at once (deadlines widened: n FreeRDP processes share the cores)
/// and returns how many reached the active session; a failure is reported with its details.
inline int connect_in_parallel(ConnectRequest req, int n) {
  req.timeout_ms = 90000;
  req.activation_timeout_ms = 80000;
  std::vector<std::future<ConnectResult>> runs;
  for (int i = 0; i < n; ++i) runs.push_back(std::async(std::launch::async, [req] { return client::run_driver(req); }));
  int connected = 0;
  for (auto& f : runs) {
    const auto r = f.get();
    connected += r.outcome == Outcome::connected;
    EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  }
  return connected;
}

/// Certificates are made once per test binary: RSA key generation is the slow part.
inline std::shared_ptr<const fakeserver::ServerCertificates> shared_certificates() {
  static auto certs = fakeserver::ServerCertificates::generate_default();
  return certs;
}

class RunningServer {
 public:
  explicit RunningServer(fakeserver::ServerConfig config = {}) {
    trace = std::make_shared<fakeserver::MemoryTrace>();
    config.trace = trace;
    if (!config.certificates) config.certificates = shared_certificates();
    server = std::make_unique<fakeserver::Server>(config);
    server->start();
    char tmpl[] = "/tmp/rdpfault-test-XXXXXX";
    dir = mkdtemp(tmpl);
    ca_file = dir + "/ca.pem";
    certs::write_cert_file(ca_file, server->certificates().ca);
  }
  ~RunningServer() {
    server->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  /// A request that should reach the active session against this server.
  ConnectRequest request() const {
    ConnectRequest r;
    r.host = "127.0.0.1";
    r.port = server->port();
    r.security = {SecurityProtocol::tls};
    r.cert_policy = CertPolicy::trust_ca;
    r.ca_file = ca_file;
    r.username = "tester";
    r.timeout_ms = 20000;
    r.activation_timeout_ms = 15000;
    return r;
  }

  /// Events of every connection with this name, in order.
  std::vector<std::string> events_named(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& e : trace->events()) {
      if (e.event == name) out.push_back(e.data.dump());
    }
    return out;
  }

  bool wait_for_event(const std::string& name, std::size_t count, std::chrono::milliseconds timeout) const {
    return trace->wait_until(
        [&](const auto& ev) {
          std::size_t n = 0;
          for (const auto& e : ev) n += e.event == name;
          return n >= count;
        },
        timeout);
  }

  /// Waits (bounded) until the server has sent a PDU with this trace name.
  bool wait_for_pdu_out(const std::string& pdu, std::chrono::milliseconds timeout) const {
    return trace->wait_until(
        [&](const auto& ev) {
          for (const auto& e : ev) {
            if (e.event == "pdu_out" && e.data["pdu"] == pdu) return true;
          }
          return false;
        },
        timeout);
  }

  std::shared_ptr<fakeserver::MemoryTrace> trace;
  std::unique_ptr<fakeserver::Server> server;
  std::string dir;
  std::string ca_file;
};

}  // namespace rdpfault::test
