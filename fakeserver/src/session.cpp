#include "session.hpp"

// GCC 12 misreads Asio's coroutine frame allocator (operator new/delete of awaitable_frame_base)
// as a mismatched pair in large coroutines; a known false positive (GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

#include "nla.hpp"
#include "rdpfault/pdu/credssp.hpp"
#include "rdpfault/pdu/x224.hpp"

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

}  // namespace

Session::Session(Server::Impl& server, tcp::socket socket, std::uint64_t id, std::string peer)
    : server_(server),
      socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      event_timer_(socket_.get_executor()),
      wait_timer_(socket_.get_executor()),
      id_(id),
      peer_(std::move(peer)),
      start_(std::chrono::steady_clock::now()),
      faults_(server.config.faults, id),
      acceptor_(
          [&] {
            auto cfg = server.config.acceptor;
            cfg.has_certificate = !server.config.no_certificate;
            if (server.config.max_sessions > 0 || server.config.single_session_per_user) {
              cfg.admit_logon = [&server, id](const std::string& user) { return server.admit(id, user); };
            }
            return cfg;
          }(),
          *this, &faults_) {}

Session::~Session() {
  --server_.open;
  leave_pending();
}

void Session::leave_pending() {
  if (pending_) {
    pending_ = false;
    --server_.pending;
  }
}

void Session::attach(std::shared_ptr<Link> link) {
  link_ = std::move(link);
  phases_.on_change = [this](faults::PhaseRange r) {
    if (link_) link_->phase_changed(r);
  };
}

void Session::kick(std::uint32_t error_info) {
  kick_ = error_info;
  event_timer_.expires_at(asio::steady_timer::time_point::min());
}

void Session::cancel() {
  stopping_ = true;
  error_code ec;
  socket_.close(ec);
  wait_timer_.cancel();  // A deliberate wait ends with the server.
  if (link_) link_->stop();
}

void Session::on_alert(bool from_client, int level, int description) {
  emit("tls_alert", {{"from", from_client ? "client" : "server"},
                     {"level", level == 2 ? "fatal" : "warning"},
                     {"description", SSL_alert_desc_string_long(level << 8 | description)},
                     {"code", description}});
}

void Session::emit(std::string kind, nlohmann::json data) {
  TraceEvent e;
  e.conn = id_;
  e.ts_us = now_unix_us();
  e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  e.event = std::move(kind);
  e.data = std::move(data);
  server_.trace->record(e);
}

// --- waiting -------------------------------------------------------------------------------

void Session::expires_after(std::chrono::milliseconds d) {
  // Extending a deadline only stores it: the watchdog re-arms when its timer fires (or when a
  // deadline moves earlier), so the hot path costs no timer syscall and no extra wake-up.
  const auto now = asio::steady_timer::clock_type::now();
  deadline_at_ = now + d;
  if (!in_active_) {
    // The whole handshake shares one budget; what faults held back is not the client's time.
    const auto total = start_ + server_.config.handshake_timeout + std::chrono::milliseconds(hold_.total_ms(now));
    deadline_at_ = std::min(deadline_at_, total);
  }
  if (deadline_at_ < deadline_.expiry()) deadline_.expires_at(deadline_at_);
}

asio::awaitable<void> Session::watchdog() {
  for (;;) {
    co_await deadline_.async_wait(use_nothrow);  // Fires at the armed time, or aborts when re-armed.
    if (done_ || !socket_.is_open()) co_return;
    const auto now = asio::steady_timer::clock_type::now();
    if (deadline_at_ <= now) {
      timed_out_ = true;
      output_stalled_ = writing_;
      error_code ignored;
      socket_.close(ignored);
      co_return;
    }
    if (deadline_.expiry() <= now) deadline_.expires_at(deadline_at_);  // Fired early: the deadline moved on.
  }
}

asio::awaitable<Session::ReadResult> Session::read_some() {
  if (buffer_.size() - used_ < 2048) buffer_.resize(std::max(used_ + 4096, buffer_.size()));
  auto buf = asio::buffer(buffer_.data() + used_, buffer_.size() - used_);
  if (tls_) {
    auto [ec, n] = co_await tls_->read_some(buf);
    co_return std::make_tuple(ec, n);
  }
  co_return co_await socket_.async_read_some(buf, use_nothrow);
}

asio::awaitable<void> Session::wait_event() {
  for (;;) {
    auto [ec] = co_await event_timer_.async_wait(use_nothrow);
    if (!ec || kick_) co_return;
  }
}

asio::awaitable<Session::ReadResult> Session::read_or_event() {
  // No co_await inside ?: (GCC 12 miscompiles it): explicit branches.
  if (kick_) co_return std::make_tuple(error_code(asio::error::operation_aborted), std::size_t{0});
  auto r = co_await (read_some() || wait_event());
  if (r.index() == 0) co_return std::get<0>(r);
  co_return std::make_tuple(error_code(asio::error::operation_aborted), std::size_t{0});
}

asio::awaitable<error_code> Session::write(const pdu::Bytes& out) {
  // A client that does not read its output holds the write; it may for output_timeout, in the
  // active session too, then the watchdog closes the connection (traced as such).
  const auto saved = deadline_at_;
  if (in_active_) {
    expires_after(server_.config.output_timeout);
  } else {
    expires_after(std::min(server_.config.output_timeout, server_.config.handshake_timeout));
  }
  writing_ = true;
  unsent_ = out.size();
  error_code ec;
  if (tls_) {
    ec = co_await tls_->write(asio::buffer(out));
  } else {
    auto [wec, n] = co_await asio::async_write(socket_, asio::buffer(out), use_nothrow);
    plain_sent_ += n;
    ec = wec;
  }
  writing_ = false;
  if (in_active_ && !timed_out_) deadline_at_ = saved;  // Back to no deadline in the session.
  co_return ec;
}

asio::awaitable<void> Session::sleep_ms(int ms) {
  wait_timer_.expires_after(std::chrono::milliseconds(ms));
  co_await wait_timer_.async_wait(use_nothrow);
}

asio::awaitable<void> Session::stall(std::string what) {
  emit("behaviour", {{"what", std::move(what)}, {"phase", to_string(acceptor_.phase())}});
  expires_never();
  std::size_t discarded = 0;
  for (;;) {
    used_ = 0;
    auto [ec, n] = co_await read_some();
    if (ec) {
      closed_by_peer(ec, discarded);
      co_return;
    }
    discarded += n;
  }
}

// --- ending --------------------------------------------------------------------------------

void Session::trace_closed(nlohmann::json d) {
  if (closed_) return;
  closed_ = true;
  d["phase"] = to_string(acceptor_.phase());
  d["held_ms"] = hold_.total_ms(faults::Clock::now());
  emit("closed", std::move(d));
}

void Session::end(End how, std::string reason) {
  trace_closed({{"by", "server"}, {"reason", how == End::rst ? reason + " (RST)" : reason}});
  error_code ignored;
  if (how == End::rst) {
    if (link_) link_->reset();
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
    return;
  }
  if (tls_) tls_->shutdown_quietly();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
}

void Session::closed_by_peer(const error_code& ec, std::size_t discarded) {
  nlohmann::json d;
  if (stopping_) {
    d = {{"by", "server"}, {"reason", "server stopped"}};
  } else if (timed_out_ && output_stalled_) {
    d = {{"by", "server"},
         {"reason", "the client stopped reading: a " + std::to_string(unsent_) + "-byte write waited " +
                        std::to_string(server_.config.output_timeout.count()) + " ms"}};
  } else if (timed_out_) {
    const bool total = asio::steady_timer::clock_type::now() - start_ >= server_.config.handshake_timeout;
    d = {{"by", "server"},
         {"reason", std::string(total && !in_active_ ? "the handshake took longer than " + std::to_string(server_.config.handshake_timeout.count()) + " ms, ending in "
                                                     : "timed out waiting for the client in ") +
                        std::string(to_string(acceptor_.phase()))}};
  } else if (link_ && link_->verdict()) {
    d = {{"by", "network"}, {"reason", link_->verdict()->why}};
  } else if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    d = {{"by", "client"}, {"reason", "connection closed (eof)"}};
  } else {
    d = {{"by", "client"}, {"reason", ec.message()}};
  }
  if (discarded) d["discarded_bytes"] = discarded;
  trace_closed(std::move(d));
}

void Session::protocol_error(const std::string& message, std::optional<pdu::ByteView> bytes) {
  nlohmann::json e = {{"error", message}};
  if (bytes) e["bytes"] = pdu::to_hex(*bytes);
  emit("protocol_error", std::move(e));
  end(End::fin, message);
}

// --- the steps -------------------------------------------------------------------------------

asio::awaitable<bool> Session::execute(acceptor::StepResult r) {
  for (auto& step : r.steps) {
    if (auto* enter = std::get_if<acceptor::Enter>(&step)) {
      emit("phase", {{"phase", to_string(enter->phase)}});
      if (enter->phase == Phase::active) leave_pending();  // Before the Font Map reaches the client.
      if (link_) phases_.mark(enter->phase, sent_to_client());
    } else if (auto* fire = std::get_if<acceptor::Fire>(&step)) {
      auto ev = fire->due.fault->describe();
      ev["fault"] = fire->due.index;
      ev["at"] = to_string(acceptor_.phase());
      last_fault_ = "fault " + std::to_string(fire->due.index) + " (" + std::string(fire->due.fault->name()) + ") in " +
                    std::string(to_string(acceptor_.phase()));
      emit("fault", std::move(ev));
    } else if (auto* out = std::get_if<acceptor::Emit>(&step)) {
      // Traced as it leaves: after any delay a fault put before it.
      emit("pdu_out", {{"pdu", out->name}, {"size", out->bytes.size()}});
      if (auto ec = co_await write(out->bytes)) {
        closed_by_peer(ec);
        co_return false;
      }
    } else {
      const auto& action = std::get<faults::Action>(step);
      if (const auto* w = std::get_if<faults::Wait>(&action)) {
        expires_never();  // A deliberate delay is not the client's fault.
        hold_.begin(faults::Clock::now());
        co_await sleep_ms(w->ms);
        hold_.end(faults::Clock::now());
        if (!socket_.is_open()) {
          closed_by_peer(asio::error::operation_aborted);
          co_return false;
        }
      } else if (const auto* c = std::get_if<faults::Close>(&action)) {
        end(c->rst ? End::rst : End::fin, last_fault_);
        co_return false;
      } else if (std::holds_alternative<faults::Stall>(action)) {
        co_await stall("stall: " + last_fault_);
        co_return false;
      } else if (const auto* a = std::get_if<faults::SendTlsAlert>(&action)) {
        if (!tls_ || !tls_->send_fatal_alert(a->description)) {
          emit("behaviour", {{"what", "no TLS 1.3 traffic key: the alert cannot be sealed, the server just closes"}});
        }
      }
    }
  }
  if (r.directive == acceptor::Directive::close) {
    end(End::fin, r.reason);
    co_return false;
  }
  co_return true;
}

// --- framing -------------------------------------------------------------------------------

void Session::consume(std::size_t n) {
  std::memmove(buffer_.data(), buffer_.data() + n, used_ - n);
  used_ -= n;
}

void Session::arm_schedule() {
  const auto due = faults_.active_schedule();
  if (due.empty()) {
    scheduled_.reset();
    event_timer_.expires_at(asio::steady_timer::time_point::max());
    return;
  }
  scheduled_ = due.front();
  event_timer_.expires_after(std::chrono::milliseconds(due.front().fault->where.after_ms));
}

asio::awaitable<std::optional<std::size_t>> Session::next_frame(Framing framing) {
  for (;;) {
    const auto view = pdu::ByteView(buffer_.data(), used_);
    auto size = framing == Framing::tpkt ? pdu::frame_size(view) : pdu::der_frame_size(view);
    if (!size) {
      protocol_error(size.error().message());
      co_return std::nullopt;
    }
    if (*size > 0 && *size <= used_) co_return *size;
    if (used_ >= kMaxBuffered) {
      protocol_error(framing == Framing::tpkt ? "frame larger than 70 KiB" : "TSRequest larger than 70 KiB");
      co_return std::nullopt;
    }
    error_code ec;
    std::size_t n = 0;
    if (acceptor_.phase() == Phase::active) {
      if (!in_active_) {
        // The session is active: no deadline; the timed faults run on their own clock, and
        // the wait until one fires is a deliberate hold.
        in_active_ = true;
        leave_pending();
        expires_never();
        arm_schedule();
        if (scheduled_) hold_.begin(faults::Clock::now());
      }
      // An idle session holds no read buffer of its own.
      if (used_ == 0 && buffer_.capacity() > 0) std::vector<std::uint8_t>().swap(buffer_);
      std::tie(ec, n) = co_await read_or_event();
      if (ec == asio::error::operation_aborted && !stopping_ && socket_.is_open()) {
        if (kick_) {
          const auto code = *kick_;
          emit("behaviour", {{"what", "replaced by a newer logon of the same user"}, {"error_info", code}});
          co_await execute(acceptor_.server_disconnect(code, "replaced by a newer logon of the same user"));
          co_return std::nullopt;
        }
        if (scheduled_) {
          hold_.end(faults::Clock::now());
          const auto due = *scheduled_;
          if (!co_await execute(acceptor_.fire(due))) co_return std::nullopt;
          arm_schedule();
          if (scheduled_) hold_.begin(faults::Clock::now());
        }
        continue;
      }
    } else {
      expires_after(server_.config.handshake_timeout);
      std::tie(ec, n) = co_await read_some();
    }
    if (ec) {
      closed_by_peer(ec);
      co_return std::nullopt;
    }
    used_ += n;
  }
}

// --- the connection --------------------------------------------------------------------------

asio::awaitable<void> Session::run() {
  deadline_.expires_at(asio::steady_timer::time_point::max());
  co_await (body_then_done() || watchdog());
  error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<void> Session::body_then_done() {
  co_await body();
  done_ = true;
}

asio::awaitable<void> Session::body() {
  emit("accepted", {{"peer", peer_}, {"seed", server_.config.seed}});
  if (!co_await execute(acceptor_.start())) co_return;
  for (;;) {
    auto size = co_await next_frame(Framing::tpkt);
    if (!size) co_return;
    const auto frame = pdu::ByteView(buffer_.data(), *size);
    auto step = acceptor_.step(frame);
    if (!step) {
      protocol_error(step.error().message(), frame);
      co_return;
    }
    consume(*size);
    const auto directive = step->directive;
    if (!co_await execute(std::move(*step))) co_return;
    if (directive == acceptor::Directive::start_tls) {
      if (used_ != 0) {
        protocol_error("client sent data before the TLS handshake could start");
        co_return;
      }
      if (!co_await upgrade_tls()) co_return;
    }
  }
}

asio::awaitable<bool> Session::upgrade_tls() {
  // Faults before the handshake (delay, close, reset, stall) act right after the Confirm.
  if (!co_await execute(acceptor_.at_hook(faults::Hook::tls_handshake))) co_return false;
  tls_.emplace(socket_, server_.tls->native_handle());
  SSL* ssl = tls_->native_handle();
  SSL_set_msg_callback_arg(ssl, static_cast<AlertObserver*>(this));
  expires_after(server_.config.handshake_timeout);
  if (auto ec = co_await tls_->handshake()) {
    emit("tls", {{"result", "failed"}, {"error", timed_out_ ? std::string("timed out") : ec.message()}});
    if (ec.category() == asio::error::get_ssl_category() && ec != asio::ssl::error::stream_truncated && !timed_out_) {
      // OpenSSL refused what the client sent: not a ClientHello, or a broken one. The
      // server ends it, and the trace names the PDU and shows the first bytes.
      emit("protocol_error", {{"error", "tls client hello: " + ec.message()}, {"bytes", pdu::to_hex(tls_->first_bytes())}});
      trace_closed({{"by", "server"}, {"reason", "tls client hello: " + ec.message()}});
      co_return false;
    }
    closed_by_peer(ec);
    co_return false;
  }
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  emit("tls", {{"result", "ok"},
               {"version", SSL_get_version(ssl)},
               {"cipher", SSL_get_cipher_name(ssl)},
               {"sni", sni ? sni : ""}});
  if (!co_await execute(acceptor_.security_upgraded())) co_return false;
  if (acceptor_.phase() == Phase::credssp) {
    if (!co_await run_credssp()) co_return false;
    if (!co_await execute(acceptor_.credssp_completed())) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Session::run_credssp() {
  const auto& cfg = server_.config;
  NlaServer nla(cfg.accounts, server_.public_key, cfg.credssp_version);
  bool first = true;
  for (;;) {
    auto size = co_await next_frame(Framing::der);
    if (!size) {
      if (!closed_) emit("credssp", {{"result", "failed"}, {"reason", "the client left"}});
      co_return false;
    }
    const auto frame = pdu::ByteView(buffer_.data(), *size);
    emit("pdu_in", {{"pdu", pdu::TsRequest::kName}, {"size", frame.size()}});
    if (first) {
      // Faults at the CredSSP reply fire before the server's first answer (the NTLM CHALLENGE).
      first = false;
      if (!co_await execute(acceptor_.at_hook(faults::Hook::credssp_reply))) co_return false;
    }
    auto step = nla.step(frame);
    consume(*size);
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
      emit("pdu_out", {{"pdu", step.state == NlaServer::State::failed ? "credssp tsrequest (errorCode)" : "credssp tsrequest"},
                       {"size", step.out.size()}});
      if (auto wec = co_await write(step.out)) {
        closed_by_peer(wec);
        co_return false;
      }
    }
    if (step.state == NlaServer::State::failed) {
      end(End::fin, "CredSSP failed: " + step.reason);
      co_return false;
    }
    if (step.state == NlaServer::State::done) {
      emit("logon", {{"user", nla.user()}, {"domain", nla.domain()}, {"result", "authenticated"}, {"via", "nla"}});
      co_return true;  // An MCS Connect-Initial that came in the same read stays in buffer_.
    }
  }
}

}  // namespace rdpfault::fakeserver
