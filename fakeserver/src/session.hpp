#pragma once
// One connection of the fake server: the acceptor's steps carried out over TCP, then TLS,
// with CredSSP in between for NLA, and the connection's faults at every hook.
//
//   body()        read a frame -> acceptor.step() -> run(steps) -> ... (start_tls: upgrade())
//   run(steps)    the one place actions happen: phases and faults traced, PDUs written (and
//                 traced as they leave), waits, closes, resets, stalls, TLS alerts
//   end()         the one place the server ends a connection (FIN or RST), traced once
//
// Every wait on the client is bounded by the watchdog (handshake_timeout before the session
// is active); deliberate waits and the active session are not.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rdpfault/acceptor/acceptor.hpp"
#include "rdpfault/fakeserver/link.hpp"
#include "rdpfault/faults/connection.hpp"
#include "server_impl.hpp"
#include "tls_context.hpp"
#include "tls_transport.hpp"

namespace rdpfault::fakeserver {

class Session : public std::enable_shared_from_this<Session>,
                public acceptor::EventSink,
                public AlertObserver,
                public LinkEvents {
 public:
  /// `socket` is the client's connection, or the session's end of the socketpair to a link.
  Session(Server::Impl& server, boost::asio::ip::tcp::socket socket, std::uint64_t id, std::string peer);
  ~Session() override;

  boost::asio::awaitable<void> run();
  /// The connection's stream faults sit in `link`, between the client and this session.
  void attach(std::shared_ptr<Link> link);
  faults::SessionPhases& phases() noexcept { return phases_; }
  HoldMeter& hold() noexcept { return hold_; }
  const faults::ConnectionFaults& faults() const noexcept { return faults_; }

  /// Another session's logon replaces this one: end it with `error_info` (I/O thread).
  void kick(std::uint32_t error_info);
  /// Server shutdown: close the socket so every pending operation ends.
  void cancel();

  // acceptor::EventSink
  void event(std::string_view kind, nlohmann::json data) override { emit(std::string(kind), std::move(data)); }
  // AlertObserver
  void on_alert(bool from_client, int level, int description) override;
  // LinkEvents
  void link_event(std::string kind, nlohmann::json data) override { emit(std::move(kind), std::move(data)); }

 private:
  enum class End { fin, rst };
  enum class Framing { tpkt, der };
  using ReadResult = std::tuple<boost::system::error_code, std::size_t>;

  void emit(std::string kind, nlohmann::json data);
  std::uint64_t sent_to_client() const noexcept { return plain_sent_ + (tls_ ? tls_->sent() : 0); }

  boost::asio::awaitable<void> body();
  boost::asio::awaitable<void> body_then_done();
  boost::asio::awaitable<void> watchdog();
  /// Carries out `r`'s steps, then its directive (close). False when the connection is over.
  boost::asio::awaitable<bool> execute(acceptor::StepResult r);
  /// The next whole frame in buffer_ (its size), reading as needed; nullopt when the
  /// connection is over (the reason is traced). In the active session it also fires the
  /// timed faults and kicks as they fall due.
  boost::asio::awaitable<std::optional<std::size_t>> next_frame(Framing framing);
  void consume(std::size_t n);
  boost::asio::awaitable<bool> upgrade_tls();
  boost::asio::awaitable<bool> run_credssp();
  boost::asio::awaitable<ReadResult> read_some();
  boost::asio::awaitable<ReadResult> read_or_event();
  boost::asio::awaitable<void> wait_event();
  boost::asio::awaitable<boost::system::error_code> write(const pdu::Bytes& out);
  boost::asio::awaitable<void> sleep_ms(int ms);
  boost::asio::awaitable<void> stall(std::string what);
  /// Arms the active-session clock for the next timed fault (or nothing).
  void arm_schedule();

  void end(End how, std::string reason);
  /// The client (or the network) ended it: `ec` says how.
  void closed_by_peer(const boost::system::error_code& ec, std::size_t discarded = 0);
  void protocol_error(const std::string& message, std::optional<pdu::ByteView> bytes = std::nullopt);
  void trace_closed(nlohmann::json d);

  /// Bounds the next wait on the client by `d`, and (before the session is active) by what
  /// is left of the handshake's total budget.
  void expires_after(std::chrono::milliseconds d);
  /// The session reached the active state (or ended): it no longer counts as pending.
  void leave_pending();
  void expires_never() { deadline_at_ = boost::asio::steady_timer::time_point::max(); }

  Server::Impl& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  boost::asio::steady_timer::time_point deadline_at_ = boost::asio::steady_timer::time_point::max();
  boost::asio::steady_timer event_timer_;  // The active session's clock: the next timed fault, or a kick.
  boost::asio::steady_timer wait_timer_;   // A fault's deliberate wait (cancelled when the server stops).
  std::optional<TlsTransport> tls_;
  std::uint64_t id_;
  std::string peer_;
  std::chrono::steady_clock::time_point start_;
  faults::ConnectionFaults faults_;
  acceptor::Acceptor acceptor_;
  std::shared_ptr<Link> link_;
  faults::SessionPhases phases_;
  HoldMeter hold_;
  std::vector<std::uint8_t> buffer_;
  std::size_t used_ = 0;
  std::uint64_t plain_sent_ = 0;
  std::optional<std::uint32_t> kick_;         // A newer logon of the same user ends this session.
  std::optional<faults::Due> scheduled_;      // The timed fault the clock is armed for.
  bool in_active_ = false;
  bool pending_ = true;         // Counted in Server::Impl::pending until active or gone.
  bool writing_ = false;        // A write is in progress.
  bool output_stalled_ = false; // The watchdog fired during a write: the client does not read.
  std::size_t unsent_ = 0;      // Bytes of the write in progress.
  std::string last_fault_;                    // The fault that fired last, for the close reason.
  bool timed_out_ = false;
  bool done_ = false;
  bool closed_ = false;
  bool stopping_ = false;
};

}  // namespace rdpfault::fakeserver
