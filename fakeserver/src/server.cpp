#include "rdpfault/fakeserver/server.hpp"

// GCC 12 misreads Asio's coroutine frame allocator as a mismatched new/delete (GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <pthread.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "nla.hpp"
#include "server_impl.hpp"
#include "session.hpp"
#include "tls_context.hpp"

namespace rdpfault::fakeserver {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

std::int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NullTrace final : public TraceSink {
 public:
  void record(const TraceEvent&) override {}
};

/// Traces what escaped a coroutine (a bug: expected failures are values).
auto record_exception(Server::Impl& d, std::uint64_t id) {
  return [&d, id](std::exception_ptr ex) {
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
    d.record(e);
  };
}

bool has_stream_fault(const std::vector<faults::Fault>& fs, std::uint64_t id) {
  for (const auto& f : fs) {
    if (f.is_stream() && f.connections.matches(id)) return true;
  }
  return false;
}

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

void Server::Impl::serve(tcp::socket socket, std::uint64_t id) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto peer_ep = socket.remote_endpoint(ec);
  std::string peer = ec ? std::string("?") : peer_ep.address().to_string() + ":" + std::to_string(peer_ep.port());
  if (pending >= config.max_pending_handshakes) {
    // Accepted and closed at once: the client learns right away (a FIN), the backlog stays
    // free for clients the server can serve, and the trace says why.
    TraceEvent e;
    e.conn = id;
    e.ts_us = now_unix_us();
    e.event = "closed";
    e.data = {{"by", "server"},
              {"reason", std::to_string(pending.load()) + " connections are already in the handshake (max_pending_handshakes)"},
              {"peer", peer},
              {"phase", "tcp_connect"}};
    record(e);
    socket.close(ec);
    return;
  }
  ++open;
  ++pending;
  std::shared_ptr<Session> session;
  if (!has_stream_fault(config.faults, id)) {
    session = std::make_shared<Session>(*this, std::move(socket), id, std::move(peer));
  } else {
    // The session speaks on one end of a socketpair; the link pumps the client's bytes
    // through the stream faults to the other end and back.
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      --open;
      --pending;
      TraceEvent e;
      e.conn = id;
      e.ts_us = now_unix_us();
      e.event = "closed";
      e.data = {{"by", "server"}, {"reason", std::string("socketpair: ") + std::strerror(errno)}};
      record(e);
      return;
    }
    tcp::socket inner(io), link_end(io);
    inner.assign(tcp::v4(), sv[0], ec);
    link_end.assign(tcp::v4(), sv[1], ec);
    session = std::make_shared<Session>(*this, std::move(inner), id, std::move(peer));
    auto link = std::make_shared<Link>(std::move(socket), std::move(link_end),
                                       faults::StreamChain(config.faults, faults::Direction::to_client, id, config.seed),
                                       faults::StreamChain(config.faults, faults::Direction::to_server, id, config.seed),
                                       session->phases(), *session, session->hold());
    session->attach(link);
    // The callable keeps the link and its session (whose phases and meter it uses) alive.
    asio::co_spawn(io, [link, session] { return link->run(); }, record_exception(*this, id));
  }
  sessions[id] = session;
  // The callable keeps the session alive for the whole coroutine; never `detached`.
  asio::co_spawn(io, [session] { return session->run(); }, [this, id, rec = record_exception(*this, id)](std::exception_ptr ex) {
    sessions.erase(id);
    logoff(id);
    rec(ex);
  });
}

asio::awaitable<void> Server::Impl::accept_loop() {
  asio::steady_timer pause(io);
  std::uint64_t failures = 0;
  auto backoff = std::chrono::milliseconds(0);
  for (;;) {
    auto [ec, socket] = co_await listener.async_accept(use_nothrow);
    if (ec == asio::error::operation_aborted || !listener.is_open()) co_return;
    if (ec) {
      // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): retrying at once
      // would spin. Pause, doubling up to a second, and trace the episode once, not each try.
      ++failures;
      if (failures == 1) {
        TraceEvent e;
        e.ts_us = now_unix_us();
        e.event = "accept_failed";
        e.data = {{"error", ec.message()}, {"pausing", "accepts pause (from 50 ms, doubling up to 1 s) until one succeeds"}};
        record(e);
      }
      backoff = std::min(std::chrono::milliseconds(1000), std::max(std::chrono::milliseconds(50), backoff * 2));
      pause.expires_after(backoff);
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    if (failures > 0) {
      TraceEvent e;
      e.ts_us = now_unix_us();
      e.event = "accept_resumed";
      e.data = {{"failed_accepts", failures}};
      record(e);
      failures = 0;
      backoff = std::chrono::milliseconds(0);
    }
    serve(std::move(socket), ++accepted);
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
std::size_t Server::pending_handshakes() const noexcept { return impl_->pending.load(); }

std::chrono::nanoseconds Server::io_thread_cpu_time() const {
  if (!impl_->have_clock) return {};
  timespec ts{};
  clock_gettime(impl_->thread_clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace rdpfault::fakeserver
