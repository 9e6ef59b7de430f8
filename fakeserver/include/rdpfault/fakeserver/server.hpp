#pragma once
/// The fake RDP server: a listener on Boost.Asio with one I/O thread, and a session per
/// connection that runs the acceptor state machine over TCP, then TLS.
///
/// Many connections are served at once; a session's failure (protocol error, TLS failure,
/// timeout) closes that session only, records why in the trace, and the server goes on.
/// A connection with stream faults (network conditions) is served through a Link: the
/// client's socket is pumped through the faults' chains to a socketpair the session speaks on.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rdpfault/acceptor/acceptor.hpp"
#include "rdpfault/certs/certs.hpp"
#include "rdpfault/fakeserver/trace.hpp"
#include "rdpfault/scenario/phase.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::fakeserver {

/// The certificate chain the server presents, and the CA that signed it.
struct ServerCertificates {
  certs::Identity ca;
  certs::Identity leaf;
  /// A fresh CA ("rdpfault test CA") and a leaf for localhost / 127.0.0.1 / ::1
  /// (CN=localhost; DNS SANs localhost and 127.0.0.1, because FreeRDP ignores IP SANs;
  /// IP SANs 127.0.0.1 and ::1 for clients that honour them), valid from an hour ago for 30 days.
  static std::shared_ptr<const ServerCertificates> generate_default();
};

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0 picks a free port; see Server::port().
  acceptor::AcceptorConfig acceptor;
  std::shared_ptr<const ServerCertificates> certificates;  ///< Null: generated at start.
  /// The server has no certificate: it cannot start TLS and says so (SSL_CERT_NOT_ON_SERVER).
  bool no_certificate = false;
  /// Deviations from the healthy server, in order (rdpfault::faults): the acceptor fires those
  /// at the server's PDUs, the session those at the TLS handshake, the CredSSP reply and in
  /// the active session; stream faults put a Link between the client and the session.
  std::vector<faults::Fault> faults;
  /// Seeds the stream faults' randomness (mixed with the connection number): a run replays.
  std::uint64_t seed = 1;
  /// Logons beyond this many current sessions are refused with ERRINFO 0x7 (0 = no limit).
  int max_sessions = 0;
  /// A user's new logon ends the user's older session with ERRINFO 0x5.
  bool single_session_per_user = false;
  /// Accounts for NLA (CredSSP with NTLM). Offer NLA with acceptor.allow_nla.
  std::vector<scenario::Account> accounts;
  /// TSRequest version the server speaks (2-6).
  std::uint32_t credssp_version = 6;
  int tls_min_version = 0x0303;  ///< TLS 1.2 (OpenSSL's TLS1_2_VERSION).
  int tls_max_version = 0;       ///< 0 = the highest OpenSSL supports.
  /// Bound on the whole sequence before the session is active (each wait on the client, and
  /// all of them together), not counting the time faults deliberately held the connection.
  /// Deliberate stalls and the active session are not bounded: they end when the client leaves.
  std::chrono::milliseconds handshake_timeout{30000};
  /// How long a write may wait for a client that does not read its output (a session is
  /// then closed, traced); also in the active session.
  std::chrono::milliseconds output_timeout{30000};
  /// Connections in the sequence before the active session at once; one more is accepted and
  /// closed at once with a trace line (a definite answer, unlike a silently full backlog).
  std::size_t max_pending_handshakes = 512;
  std::shared_ptr<TraceSink> trace;  ///< Null: events are dropped.
};

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();  ///< Stops the server.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and starts the I/O thread. Throws std::system_error if it cannot bind
  /// (port in use, bad address) and std::runtime_error if the certificate, the TLS context or
  /// WinPR's SSPI cannot be set up.
  void start();
  /// Closes the listener and every session, then joins the I/O thread (bounded: 5 s).
  void stop();

  std::uint16_t port() const noexcept;
  const ServerCertificates& certificates() const;
  /// Connections accepted so far.
  std::uint64_t connections() const noexcept;
  /// Sessions open right now.
  std::size_t open_sessions() const noexcept;
  /// Sessions open right now that have not reached the active session.
  std::size_t pending_handshakes() const noexcept;
  /// Clients logged on right now (past the Client Info PDU, not yet gone).
  std::size_t logged_on() const noexcept;
  /// CPU time the I/O thread has used so far (for benchmarks).
  std::chrono::nanoseconds io_thread_cpu_time() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rdpfault::fakeserver
