#include "rdpfault/fakeserver/server.hpp"

// GCC 12 misreads Asio's coroutine frame allocator (operator new/delete of awaitable_frame_base)
// as a mismatched pair in large coroutines; a known false positive (GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <future>
#include <thread>
#include <map>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

#include "nla.hpp"
#include "rdpfault/pdu/credssp.hpp"
#include "rdpfault/pdu/x224.hpp"
#include "tls_context.hpp"
#include "tls_transport.hpp"

namespace rdpfault::fakeserver {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxBuffered = 70 * 1024;  // One TPKT (64 KiB) plus what may follow it.

std::int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NullTrace final : public TraceSink {
 public:
  void record(const TraceEvent&) override {}
};

}  // namespace

std::shared_ptr<const ServerCertificates> ServerCertificates::generate_default() {
  auto sc = std::make_shared<ServerCertificates>();
  certs::CertSpec ca;
  ca.common_name = "rdpfault test CA";
  ca.dns_names = {};
  ca.is_ca = true;
  ca.not_after_offset = std::chrono::hours(24 * 30);
  sc->ca = certs::make_ca(ca);
  certs::CertSpec leaf;
  leaf.common_name = "localhost";
  leaf.dns_names = {"localhost", "127.0.0.1"};
  leaf.ip_addresses = {"127.0.0.1", "::1"};
  leaf.key_type = certs::KeyType::ecdsa_p256;  // Signing a handshake costs ~50 µs, RSA-2048 ~1.5 ms.
  sc->leaf = certs::make_leaf(leaf, sc->ca);
  return sc;
}

struct Server::Impl {
  ServerConfig config;
  std::shared_ptr<const ServerCertificates> certs;
  std::unique_ptr<asio::ssl::context> tls;
  asio::io_context io{1};
  tcp::acceptor listener{io};
  std::thread thread;
  std::future<void> thread_exited;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::size_t> open{0};
  clockid_t thread_clock{};
  std::atomic<bool> have_clock{false};
  std::unordered_map<std::uint64_t, std::weak_ptr<class Session>> sessions;  // I/O thread only.
  std::shared_ptr<TraceSink> trace;
  bool started = false;
  std::map<std::uint64_t, std::string> logons;  // Session id -> user. I/O thread only.
  std::vector<std::uint8_t> public_key;          // The leaf's SubjectPublicKey, for CredSSP.
  std::atomic<std::size_t> logged_on{0};

  asio::awaitable<void> accept_loop();
  /// Session `id` logs on as `user`: nullopt admits it, an ERRINFO code refuses it.
  std::optional<std::uint32_t> admit(std::uint64_t id, const std::string& user);
  void logoff(std::uint64_t id) {
    logons.erase(id);
    logged_on = logons.size();
  }
};

/// One connection. Owned by a shared_ptr held by its coroutine; the server keeps a weak_ptr.
class Session : public std::enable_shared_from_this<Session>, public acceptor::EventSink, public AlertObserver {
 public:
  /// How the server ends a session on its own.
  struct PendingEnd {
    scenario::FaultAction action;
    std::uint32_t error_info;
    std::string why;
  };

  Session(Server::Impl& server, tcp::socket socket, std::uint64_t id)
      : server_(server),
        socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        event_timer_(socket_.get_executor()),
        id_(id),
        start_(std::chrono::steady_clock::now()),
        acceptor_(acceptor_config(server, id), *this) {
    for (const auto& f : server.config.faults) {
      if (f.connections == 0 || id <= static_cast<std::uint64_t>(f.connections)) faults_.push_back(f);
    }
  }

  /// Another session's logon replaces this one: end it with `error_info` (from the I/O thread).
  void kick(std::uint32_t error_info) {
    pending_ = PendingEnd{scenario::FaultAction::error_info, error_info, "replaced by a newer logon of the same user"};
    event_timer_.expires_at(asio::steady_timer::time_point::min());
  }

  ~Session() override { --server_.open; }

  static acceptor::AcceptorConfig acceptor_config(Server::Impl& server, std::uint64_t id) {
    auto cfg = server.config.acceptor;
    cfg.has_certificate = !server.config.no_certificate;
    for (const auto& f : server.config.faults) {
      if (f.connections == 0 || id <= static_cast<std::uint64_t>(f.connections)) cfg.faults.push_back(f);
    }
    if (server.config.max_sessions > 0 || server.config.single_session_per_user) {
      cfg.admit_logon = [&server, id](const std::string& user) { return server.admit(id, user); };
    }
    return cfg;
  }

  asio::awaitable<void> run();

  /// Server shutdown: close the socket so every pending operation ends.
  void cancel() {
    stopping_ = true;
    error_code ec;
    socket_.close(ec);
  }

  // acceptor::EventSink
  void event(std::string_view kind, nlohmann::json data) override { emit(std::string(kind), std::move(data)); }

  // AlertObserver
  void on_alert(bool from_client, int level, int description) override {
    emit("tls_alert", {{"from", from_client ? "client" : "server"},
                       {"level", level == 2 ? "fatal" : "warning"},
                       {"description", SSL_alert_desc_string_long(level << 8 | description)},
                       {"code", description}});
  }

 private:
  void emit(std::string kind, nlohmann::json data) {
    TraceEvent e;
    e.conn = id_;
    e.ts_us = now_unix_us();
    e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
    e.event = std::move(kind);
    e.data = std::move(data);
    server_.trace->record(e);
  }

  asio::awaitable<std::tuple<error_code, std::size_t>> read_some() {
    if (buffer_.size() - used_ < 2048) buffer_.resize(std::max(used_ + 4096, buffer_.size()));
    auto buf = asio::buffer(buffer_.data() + used_, buffer_.size() - used_);
    if (tls_) {
      auto [ec, n] = co_await tls_->read_some(buf);
      co_return std::make_tuple(ec, n);
    }
    co_return co_await socket_.async_read_some(buf, use_nothrow);
  }

  asio::awaitable<error_code> write(const pdu::Bytes& out) {
    if (tls_) co_return co_await tls_->write(asio::buffer(out));
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), use_nothrow);
    co_return ec;
  }

  /// Bounds the next waits on the client; the watchdog closes the socket when it passes.
  /// Extending a deadline only stores it: the timer is re-armed when it fires (or when a
  /// deadline moves earlier), so the hot path costs no timer syscall and no extra wake-up.
  void expires_after(std::chrono::milliseconds d) {
    deadline_at_ = asio::steady_timer::clock_type::now() + d;
    if (deadline_at_ < deadline_.expiry()) deadline_.expires_at(deadline_at_);
  }
  void expires_never() { deadline_at_ = asio::steady_timer::time_point::max(); }

  /// Closes the socket once the deadline passes; ends when the session body does (`||`).
  asio::awaitable<void> watchdog() {
    for (;;) {
      co_await deadline_.async_wait(use_nothrow);  // Fires at the armed time, or aborts when re-armed.
      if (done_ || !socket_.is_open()) co_return;
      const auto now = asio::steady_timer::clock_type::now();
      if (deadline_at_ <= now) {
        timed_out_ = true;
        error_code ignored;
        socket_.close(ignored);
        co_return;
      }
      if (deadline_.expiry() <= now) deadline_.expires_at(deadline_at_);  // Fired early: the deadline moved on.
    }
  }

  /// Reads and discards until the client leaves: a deliberate stall.
  asio::awaitable<void> stall(std::string what) {
    emit("behaviour", {{"what", std::move(what)}, {"phase", to_string(acceptor_.phase())}});
    expires_never();
    std::size_t discarded = 0;
    for (;;) {
      used_ = 0;
      auto [ec, n] = co_await read_some();
      if (ec) {
        close_reason("client", ec, discarded);
        co_return;
      }
      discarded += n;
    }
  }

  void close_reason(std::string_view by_default, const error_code& ec, std::size_t discarded = 0) {
    nlohmann::json d;
    if (stopping_) {
      d = {{"by", "server"}, {"reason", "server stopped"}};
    } else if (timed_out_) {
      d = {{"by", "server"}, {"reason", "timed out waiting for the client in " + std::string(to_string(acceptor_.phase()))}};
    } else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      d = {{"by", by_default}, {"reason", "connection closed (eof)"}};
    } else {
      d = {{"by", by_default}, {"reason", ec.message()}};
    }
    if (discarded) d["discarded_bytes"] = discarded;
    d["phase"] = to_string(acceptor_.phase());
    emit("closed", std::move(d));
  }

  asio::awaitable<bool> upgrade_tls() {
    tls_.emplace(socket_, server_.tls->native_handle());
    SSL* ssl = tls_->native_handle();
    SSL_set_msg_callback_arg(ssl, static_cast<AlertObserver*>(this));
    if (!tls_budget_ && server_.config.behaviour.tls_write_budget) tls_budget_ = server_.config.behaviour.tls_write_budget;
    if (tls_budget_) {
      tls_->set_write_budget(tls_budget_);
      emit("behaviour", {{"what", "tls output cut after " + std::to_string(*tls_budget_) + " bytes"},
                         {"phase", to_string(acceptor_.phase())}});
      expires_never();
    } else {
      expires_after(server_.config.handshake_timeout);
    }
    if (auto ec = co_await tls_->handshake()) {
      emit("tls", {{"result", "failed"}, {"error", timed_out_ ? std::string("timed out") : ec.message()}});
      close_reason("client", ec);
      co_return false;
    }
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    emit("tls", {{"result", "ok"},
                 {"version", SSL_get_version(ssl)},
                 {"cipher", SSL_get_cipher_name(ssl)},
                 {"sni", sni ? sni : ""}});
    tls_->set_write_budget(std::nullopt);
    co_return true;
  }

  asio::awaitable<void> sleep_ms(int ms) {
    asio::steady_timer t(socket_.get_executor());
    t.expires_after(std::chrono::milliseconds(ms));
    co_await t.async_wait(use_nothrow);
  }

  void reset() {
    error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }

  /// The fault of this connection in `p`, if any (security_upgrade and active are ours).
  const scenario::Fault* fault_in(Phase p) const {
    for (const auto& f : faults_) {
      if (f.phase == p) return &f;
    }
    return nullptr;
  }

  /// Waits for the active-session event timer; returns once it fires for real.
  asio::awaitable<void> wait_event() {
    for (;;) {
      auto [ec] = co_await event_timer_.async_wait(use_nothrow);
      if (!ec || pending_) co_return;
    }
  }

  /// In the active session a read also ends when a server-side event is due.
  asio::awaitable<std::tuple<error_code, std::size_t>> read_or_event() {
    if (pending_) co_return std::make_tuple(error_code(asio::error::operation_aborted), std::size_t{0});
    auto r = co_await (read_some() || wait_event());
    if (r.index() == 0) co_return std::get<0>(r);
    co_return std::make_tuple(error_code(asio::error::operation_aborted), std::size_t{0});
  }

  void arm_active_fault() {
    if (const auto* f = fault_in(Phase::active)) {
      event_timer_.expires_after(std::chrono::milliseconds(f->after_ms));
      pending_armed_ = *f;
    } else {
      event_timer_.expires_at(asio::steady_timer::time_point::max());
    }
  }

  /// Ends the session the way a server does on its own; returns when the connection is gone.
  asio::awaitable<void> end_by_server(const PendingEnd& e) {
    emit("fault", {{"what", std::string(scenario::to_string(e.action))}, {"phase", to_string(acceptor_.phase())},
                   {"error_info", e.error_info}, {"why", e.why}});
    if (e.action == scenario::FaultAction::reset) {
      emit("closed", {{"by", "server"}, {"reason", "reset: " + e.why}, {"phase", to_string(acceptor_.phase())}});
      reset();
      co_return;
    }
    if (e.action == scenario::FaultAction::error_info || e.action == scenario::FaultAction::ultimatum) {
      const auto bytes = acceptor_.server_disconnect(e.action == scenario::FaultAction::error_info ? e.error_info : 0);
      co_await write(bytes);
    }
    if (e.action == scenario::FaultAction::stall) {
      co_await stall("stall: " + e.why);
      co_return;
    }
    emit("closed", {{"by", "server"}, {"reason", e.why}, {"phase", to_string(acceptor_.phase())}});
    if (tls_) tls_->shutdown_quietly();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
  }

  /// CredSSP after TLS (PROTOCOL_HYBRID): TSRequests in, TSRequests out, through NlaServer.
  /// True when the client authenticated; anything else closes the connection.
  asio::awaitable<bool> run_credssp() {
    const auto& cfg = server_.config;
    NlaServer nla(cfg.accounts, server_.public_key, cfg.credssp_version);
    const scenario::Fault* fault = fault_in(Phase::credssp);
    std::size_t consumed = 0;
    used_ = 0;
    for (;;) {
      expires_after(cfg.handshake_timeout);
      auto [ec, n] = co_await read_some();
      if (ec) {
        emit("credssp", {{"result", "failed"}, {"reason", "the client left: " + ec.message()}});
        close_reason("client", ec);
        co_return false;
      }
      used_ += n;
      consumed = 0;
      for (;;) {
        const auto view = pdu::ByteView(buffer_.data() + consumed, used_ - consumed);
        auto size = pdu::der_frame_size(view);
        if (!size) {
          emit("protocol_error", {{"error", size.error().message()}});
          emit("closed", {{"by", "server"}, {"reason", size.error().message()}, {"phase", "credssp"}});
          co_return false;
        }
        if (*size == 0 || *size > view.size()) break;
        const auto frame = view.first(*size);
        emit("pdu_in", {{"pdu", pdu::TsRequest::kName}, {"size", frame.size()}});
        if (fault) {
          // Fires before the server's first CredSSP answer (the NTLM CHALLENGE).
          const auto action = fault->action;
          nlohmann::json ev = {{"what", std::string(scenario::to_string(action))}, {"phase", "credssp"}};
          if (action == scenario::FaultAction::delay) ev["delay_ms"] = fault->delay_ms;
          emit("fault", ev);
          const auto delay = fault->delay_ms;
          fault = nullptr;
          if (action == scenario::FaultAction::delay) {
            expires_never();
            co_await sleep_ms(delay);
            if (!socket_.is_open()) co_return false;
          } else if (action == scenario::FaultAction::stall) {
            co_await stall("stall: the server never answers the CredSSP NEGOTIATE");
            co_return false;
          } else if (action == scenario::FaultAction::tls_alert) {
            emit("closed", {{"by", "server"}, {"reason", "fault: TLS internal_error alert in CredSSP"}, {"phase", "credssp"}});
            tls_->send_fatal_alert(80 /* internal_error */);
            error_code ignored;
            socket_.shutdown(tcp::socket::shutdown_both, ignored);
            co_return false;
          } else {
            const bool rst = action == scenario::FaultAction::reset;
            emit("closed", {{"by", "server"}, {"reason", std::string("fault: ") + (rst ? "reset" : "close") + " in CredSSP"},
                            {"phase", "credssp"}});
            if (rst) {
              reset();
            } else {
              error_code ignored;
              socket_.shutdown(tcp::socket::shutdown_both, ignored);
            }
            co_return false;
          }
        }
        auto step = nla.step(frame);
        consumed += *size;
        nlohmann::json ev = {{"step", step.event.empty() ? "error" : step.event},
                             {"client_version", nla.client_version()},
                             {"server_version", cfg.credssp_version}};
        if (!nla.user().empty()) {
          ev["user"] = nla.user();
          ev["domain"] = nla.domain();
        }
        if (step.state == NlaServer::State::failed) {
          ev["result"] = "failed";
          ev["reason"] = step.reason;
          if (step.ntstatus) ev["ntstatus"] = step.ntstatus;
        } else if (step.state == NlaServer::State::done) {
          ev["result"] = "authenticated";
        }
        emit("credssp", std::move(ev));
        if (!step.out.empty()) {
          emit("pdu_out", {{"pdu", step.state == NlaServer::State::failed ? "credssp tsrequest (errorCode)"
                                                                          : "credssp tsrequest"},
                           {"size", step.out.size()}});
          if (auto wec = co_await write(step.out)) {
            close_reason("client", wec);
            co_return false;
          }
        }
        if (step.state == NlaServer::State::failed) {
          emit("closed", {{"by", "server"}, {"reason", "CredSSP failed: " + step.reason}, {"phase", "credssp"}});
          if (tls_) tls_->shutdown_quietly();
          error_code ignored;
          socket_.shutdown(tcp::socket::shutdown_both, ignored);
          co_return false;
        }
        if (step.state == NlaServer::State::done) {
          emit("logon", {{"user", nla.user()}, {"domain", nla.domain()}, {"result", "authenticated"}, {"via", "nla"}});
          // The MCS Connect-Initial may have come in the same read.
          std::memmove(buffer_.data(), buffer_.data() + consumed, used_ - consumed);
          used_ -= consumed;
          pending_input_ = used_ > 0;
          co_return true;
        }
      }
      if (consumed > 0) {
        std::memmove(buffer_.data(), buffer_.data() + consumed, used_ - consumed);
        used_ -= consumed;
      }
      if (used_ >= kMaxBuffered) {
        emit("closed", {{"by", "server"}, {"reason", "TSRequest larger than 70 KiB"}, {"phase", "credssp"}});
        co_return false;
      }
    }
  }

  asio::awaitable<void> body();
  asio::awaitable<void> body_then_done() {
    co_await body();
    done_ = true;
  }

  Server::Impl& server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::steady_timer::time_point deadline_at_ = asio::steady_timer::time_point::max();
  std::optional<TlsTransport> tls_;
  asio::steady_timer event_timer_;   // Active-session events: a fault's time, or a kick.
  std::optional<PendingEnd> pending_;
  std::vector<scenario::Fault> faults_;  // Those that apply to this connection.
  bool active_armed_ = false;
  std::optional<scenario::Fault> pending_armed_;
  std::optional<std::size_t> tls_budget_;
  bool pending_input_ = false;
  bool timed_out_ = false;
  bool done_ = false;
  std::uint64_t id_;
  std::chrono::steady_clock::time_point start_;
  acceptor::Acceptor acceptor_;
  std::vector<std::uint8_t> buffer_;
  std::size_t used_ = 0;
  bool stopping_ = false;
};

asio::awaitable<void> Session::run() {
  deadline_.expires_at(asio::steady_timer::time_point::max());
  co_await (body_then_done() || watchdog());
  error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<void> Session::body() {
  error_code peer_ec;
  auto peer = socket_.remote_endpoint(peer_ec);
  emit("accepted", {{"peer", peer_ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port())}});
  acceptor_.start();
  const auto& behaviour = server_.config.behaviour;
  for (;;) {
    if (behaviour.stall_in && *behaviour.stall_in == acceptor_.phase()) {
      co_await stall("stall: the server stops answering");
      co_return;
    }
    const bool active = acceptor_.phase() == Phase::active;
    if (active) {
      expires_never();
      if (!active_armed_) {
        active_armed_ = true;
        arm_active_fault();
      }
      // An idle session holds no read buffer of its own.
      if (used_ == 0 && buffer_.capacity() > 0) std::vector<std::uint8_t>().swap(buffer_);
    } else {
      expires_after(server_.config.handshake_timeout);
    }
    error_code ec;
    std::size_t n = 0;
    if (pending_input_) {
      pending_input_ = false;  // Bytes that followed CredSSP in the same read: frame them first.
    } else if (active) {
      std::tie(ec, n) = co_await read_or_event();
    } else {
      std::tie(ec, n) = co_await read_some();
    }
    if (active && ec == asio::error::operation_aborted && !stopping_ && socket_.is_open()) {
      PendingEnd e = pending_ ? *pending_
                              : PendingEnd{pending_armed_->action, pending_armed_->error_info,
                                           "fault after " + std::to_string(pending_armed_->after_ms) + " ms in the active session"};
      co_await end_by_server(e);
      co_return;
    }
    if (ec) {
      close_reason("client", ec);
      co_return;
    }
    used_ += n;
    // Hand every complete frame to the acceptor.
    std::size_t consumed = 0;
    for (;;) {
      auto view = pdu::ByteView(buffer_.data() + consumed, used_ - consumed);
      auto size = pdu::frame_size(view);
      if (!size) {
        emit("protocol_error", {{"error", size.error().message()}});
        emit("closed", {{"by", "server"}, {"reason", size.error().message()}, {"phase", to_string(acceptor_.phase())}});
        co_return;
      }
      if (*size == 0 || *size > view.size()) break;
      auto frame = view.first(*size);
      auto step = acceptor_.step(frame);
      consumed += *size;
      if (!step) {
        emit("protocol_error", {{"error", step.error().message()}, {"bytes", pdu::to_hex(frame)}});
        emit("closed", {{"by", "server"}, {"reason", step.error().message()}, {"phase", to_string(acceptor_.phase())}});
        co_return;
      }
      if (!step->out.empty()) {
        if (acceptor_.phase() != Phase::active) expires_after(server_.config.handshake_timeout);
        if (auto wec = co_await write(step->out)) {
          close_reason("client", wec);
          co_return;
        }
      }
      for (const auto& later : step->later) {
        expires_never();  // A deliberate delay is not the client's fault.
        co_await sleep_ms(later.delay_ms);
        if (!socket_.is_open()) co_return;
        if (!later.bytes.empty()) {
          if (auto wec = co_await write(later.bytes)) {
            close_reason("client", wec);
            co_return;
          }
        }
      }
      if (step->directive == acceptor::Directive::close) {
        emit("closed", {{"by", "server"}, {"reason", step->reason}, {"phase", to_string(acceptor_.phase())}});
        if (tls_) tls_->shutdown_quietly();
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
      }
      if (step->directive == acceptor::Directive::reset) {
        emit("closed", {{"by", "server"}, {"reason", step->reason + " (RST)"}, {"phase", to_string(acceptor_.phase())}});
        reset();
        co_return;
      }
      if (step->directive == acceptor::Directive::stall) {
        co_await stall(step->reason);
        co_return;
      }
      if (step->directive == acceptor::Directive::start_tls) {
        if (consumed != used_) {
          emit("protocol_error", {{"error", "client sent data before the TLS handshake could start"}});
          emit("closed", {{"by", "server"}, {"reason", "unexpected data before TLS"}, {"phase", to_string(acceptor_.phase())}});
          co_return;
        }
        used_ = consumed = 0;
        if (behaviour.stall_in && *behaviour.stall_in == Phase::security_upgrade) {
          co_await stall("stall: the server never starts TLS");
          co_return;
        }
        if (const auto* f = fault_in(Phase::security_upgrade)) {
          using scenario::FaultAction;
          nlohmann::json ev = {{"what", std::string(scenario::to_string(f->action))}, {"phase", "security_upgrade"}};
          if (f->tls_after_bytes) ev["tls_after_bytes"] = *f->tls_after_bytes;
          if (f->action == FaultAction::delay) ev["delay_ms"] = f->delay_ms;
          emit("fault", ev);
          if (f->action == FaultAction::delay) {
            expires_never();
            co_await sleep_ms(f->delay_ms);
            if (!socket_.is_open()) co_return;
          } else if (f->tls_after_bytes) {
            tls_budget_ = *f->tls_after_bytes;
          } else if (f->action == FaultAction::stall) {
            co_await stall("stall: the server never answers the TLS ClientHello");
            co_return;
          } else if (f->action == FaultAction::reset || f->action == FaultAction::close) {
            co_await sleep_ms(0);
            const bool rst = f->action == FaultAction::reset;
            emit("closed", {{"by", "server"},
                            {"reason", std::string("fault: ") + (rst ? "reset" : "close") + " instead of the TLS handshake"},
                            {"phase", "security_upgrade"}});
            if (rst) {
              reset();
            } else {
              error_code ignored;
              socket_.shutdown(tcp::socket::shutdown_both, ignored);
            }
            co_return;
          }
        }
        if (!co_await upgrade_tls()) co_return;
        acceptor_.security_upgraded();
        if (acceptor_.phase() == Phase::credssp) {
          if (!co_await run_credssp()) co_return;
          acceptor_.credssp_completed();
        }
        break;
      }
    }
    if (consumed > 0) {
      std::memmove(buffer_.data(), buffer_.data() + consumed, used_ - consumed);
      used_ -= consumed;
    }
    if (used_ >= kMaxBuffered) {
      emit("protocol_error", {{"error", "frame larger than 70 KiB"}});
      emit("closed", {{"by", "server"}, {"reason", "frame too large"}, {"phase", to_string(acceptor_.phase())}});
      co_return;
    }
  }
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await listener.async_accept(use_nothrow);
    if (ec == asio::error::operation_aborted || !listener.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: record and go on; the listener itself is fine.
      TraceEvent e;
      e.ts_us = now_unix_us();
      e.event = "accept_failed";
      e.data = {{"error", ec.message()}};
      trace->record(e);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const std::uint64_t id = ++accepted;
    ++open;
    auto session = std::make_shared<Session>(*this, std::move(socket), id);
    sessions[id] = session;
    // The callable keeps the session alive for the whole coroutine; never `detached`.
    asio::co_spawn(io, [session] { return session->run(); },
                   [this, id](std::exception_ptr ex) {
                     sessions.erase(id);
                     logoff(id);
                     if (!ex) return;
                     TraceEvent e;
                     e.conn = id;
                     e.ts_us = now_unix_us();
                     e.event = "closed";
                     try {
                       std::rethrow_exception(ex);
                     } catch (const std::exception& x) {
                       e.data = {{"by", "server"}, {"reason", std::string("internal error: ") + x.what()}};
                     }
                     trace->record(e);
                   });
  }
}

Server::Server(ServerConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->trace = impl_->config.trace ? impl_->config.trace : std::make_shared<NullTrace>();
}

Server::~Server() { stop(); }

void Server::start() {
  auto& d = *impl_;
  if (d.started) return;
  d.certs = d.config.certificates ? d.config.certificates : ServerCertificates::generate_default();
  d.tls = make_tls_context(d.config, *d.certs);
  d.public_key = d.certs->leaf.public_key_der();
  if (!d.config.accounts.empty() && !NlaServer::initialise()) throw std::runtime_error("WinPR SSPI is not available");
  tcp::endpoint ep(asio::ip::make_address(d.config.listen_address), d.config.port);
  d.listener.open(ep.protocol());
  d.listener.set_option(asio::socket_base::reuse_address(true));
  d.listener.bind(ep);
  d.listener.listen(asio::socket_base::max_listen_connections);
  d.port = d.listener.local_endpoint().port();
  std::promise<void> exited;
  d.thread_exited = exited.get_future();
  asio::co_spawn(d.io, [&d] { return d.accept_loop(); }, [](std::exception_ptr ex) {
    if (ex) std::rethrow_exception(ex);  // A bug in the accept loop: let it surface.
  });
  d.thread = std::thread([&d, exited = std::move(exited)]() mutable {
    pthread_getcpuclockid(pthread_self(), &d.thread_clock);
    d.have_clock = true;
    d.io.run();
    exited.set_value();
  });
  d.started = true;
}

void Server::stop() {
  auto& d = *impl_;
  if (!d.started) return;
  d.started = false;
  std::promise<void> closed;
  auto done = closed.get_future();
  asio::post(d.io, [&d, &closed] {
    error_code ec;
    d.listener.close(ec);
    for (auto& [id, weak] : d.sessions) {
      if (auto s = weak.lock()) s->cancel();
    }
    closed.set_value();
  });
  done.wait_for(std::chrono::seconds(5));
  // With the listener and every socket closed, run() returns once the sessions have unwound.
  if (d.thread_exited.wait_for(std::chrono::seconds(5)) != std::future_status::ready) d.io.stop();
  if (d.thread.joinable()) d.thread.join();
}

std::optional<std::uint32_t> Server::Impl::admit(std::uint64_t id, const std::string& user) {
  constexpr std::uint32_t kServerDeniedConnection = 0x7;
  constexpr std::uint32_t kDisconnectedByOtherConnection = 0x5;
  if (config.single_session_per_user) {
    for (auto it = logons.begin(); it != logons.end();) {
      if (it->second == user) {
        if (auto found = sessions.find(it->first); found != sessions.end()) {
          if (auto s = found->second.lock()) s->kick(kDisconnectedByOtherConnection);
        }
        it = logons.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (config.max_sessions > 0 && logons.size() >= static_cast<std::size_t>(config.max_sessions)) {
    return kServerDeniedConnection;
  }
  logons[id] = user;
  logged_on = logons.size();
  return std::nullopt;
}

std::uint16_t Server::port() const noexcept { return impl_->port; }
std::size_t Server::logged_on() const noexcept { return impl_->logged_on.load(); }
const ServerCertificates& Server::certificates() const { return *impl_->certs; }
std::uint64_t Server::connections() const noexcept { return impl_->accepted.load(); }
std::size_t Server::open_sessions() const noexcept { return impl_->open.load(); }

std::chrono::nanoseconds Server::io_thread_cpu_time() const {
  if (!impl_->have_clock) return {};
  timespec ts{};
  clock_gettime(impl_->thread_clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace rdpfault::fakeserver
