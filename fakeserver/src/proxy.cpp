#include "rdpfault/fakeserver/proxy.hpp"

// GCC 12 misreads Asio's coroutine frame allocator as a mismatched new/delete (GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "rdpfault/fakeserver/link.hpp"
#include "rdpfault/faults/registry.hpp"
#include "rdpfault/acceptor/phase_tracker.hpp"

namespace rdpfault::fakeserver {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
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

}  // namespace

/// One client connection through the proxy. Owned by the coroutine that runs it.
class ProxyConnection : public std::enable_shared_from_this<ProxyConnection>, public LinkEvents {
 public:
  ProxyConnection(Proxy::Impl& proxy, tcp::socket client, std::uint64_t id);
  asio::awaitable<void> run();
  void stop();
  void link_event(std::string kind, nlohmann::json data) override { emit(std::move(kind), std::move(data)); }

 private:
  void emit(std::string kind, nlohmann::json data);

  Proxy::Impl& proxy_;
  tcp::socket client_;
  std::uint64_t id_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  acceptor::PhaseTracker tracker_;
  HoldMeter hold_;
  std::shared_ptr<Link> link_;
  bool stopped_ = false;
};

struct Proxy::Impl {
  ProxyConfig config;
  asio::io_context io{1};
  tcp::acceptor listener{io};
  std::thread thread;
  std::future<void> exited;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> accepted{0};
  std::unordered_map<std::uint64_t, std::weak_ptr<ProxyConnection>> conns;  // I/O thread only.
  std::shared_ptr<TraceSink> trace;
  bool started = false;

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await listener.async_accept(use_nothrow);
      if (ec == asio::error::operation_aborted || !listener.is_open()) co_return;
      if (ec) {
        TraceEvent e;
        e.ts_us = now_unix_us();
        e.event = "accept_failed";
        e.data = {{"error", ec.message()}, {"by", "proxy"}};
        trace->record(e);
        continue;
      }
      const auto id = ++accepted;
      auto c = std::make_shared<ProxyConnection>(*this, std::move(socket), id);
      conns[id] = c;
      asio::co_spawn(io, [c] { return c->run(); }, [this, id](std::exception_ptr ex) {
        conns.erase(id);
        if (!ex) return;
        TraceEvent e;
        e.conn = id;
        e.ts_us = now_unix_us();
        e.event = "closed";
        try {
          std::rethrow_exception(ex);
        } catch (const std::exception& x) {
          e.data = {{"by", "proxy"}, {"reason", std::string("internal error: ") + x.what()}};
        }
        trace->record(e);
      });
    }
  }
};

ProxyConnection::ProxyConnection(Proxy::Impl& proxy, tcp::socket client, std::uint64_t id)
    : proxy_(proxy),
      client_(std::move(client)),
      id_(id),
      tracker_([this](std::string kind, nlohmann::json data) { emit(std::move(kind), std::move(data)); }) {}

void ProxyConnection::emit(std::string kind, nlohmann::json data) {
  TraceEvent e;
  e.conn = id_;
  e.ts_us = now_unix_us();
  e.t_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  e.event = std::move(kind);
  e.data = std::move(data);
  proxy_.trace->record(e);
}

void ProxyConnection::stop() {
  stopped_ = true;
  error_code ignored;
  client_.close(ignored);
  if (link_) link_->stop();
}

asio::awaitable<void> ProxyConnection::run() {
  auto self = shared_from_this();
  error_code ec;
  auto peer = client_.remote_endpoint(ec);
  emit("accepted", {{"peer", ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port())},
                    {"by", "proxy"},
                    {"seed", proxy_.config.seed}});
  client_.set_option(tcp::no_delay(true), ec);
  const auto& cfg = proxy_.config;
  // Resolve and connect, both bounded by connect_timeout.
  tcp::socket upstream(client_.get_executor());
  asio::steady_timer timer(client_.get_executor());
  timer.expires_after(cfg.connect_timeout);
  tcp::resolver resolver(client_.get_executor());
  auto connect = [&]() -> asio::awaitable<error_code> {
    auto [rec, results] = co_await resolver.async_resolve(cfg.upstream_host, std::to_string(cfg.upstream_port), use_nothrow);
    if (rec) co_return rec;
    auto [cec, ep] = co_await asio::async_connect(upstream, results, use_nothrow);
    co_return cec;
  };
  auto r = co_await (connect() || timer.async_wait(use_nothrow));
  std::string failure;
  if (r.index() == 1) {
    failure = "timed out after " + std::to_string(cfg.connect_timeout.count()) + " ms";
  } else if (auto cec = std::get<0>(r)) {
    failure = cec.message();
  }
  if (stopped_) co_return;
  if (!failure.empty()) {
    emit("closed", {{"by", "proxy"},
                    {"reason", "cannot reach the upstream " + cfg.upstream_host + ":" + std::to_string(cfg.upstream_port) +
                                   ": " + failure},
                    {"phase", "tcp_connect"}});
    client_.close(ec);
    co_return;
  }
  upstream.set_option(tcp::no_delay(true), ec);
  auto up = upstream.remote_endpoint(ec);
  emit("upstream", {{"address", ec ? std::string("?") : up.address().to_string() + ":" + std::to_string(up.port())}});
  link_ = std::make_shared<Link>(std::move(client_), std::move(upstream),
                                 faults::StreamChain(cfg.faults, faults::Direction::to_client, id_, cfg.seed),
                                 faults::StreamChain(cfg.faults, faults::Direction::to_server, id_, cfg.seed), tracker_,
                                 *this, hold_);
  co_await link_->run();
  nlohmann::json closed = {{"phase", faults::to_string(tracker_.current())}, {"held_ms", hold_.total_ms(faults::Clock::now())}};
  if (link_->verdict()) {
    closed["by"] = "network";
    closed["reason"] = link_->verdict()->why;
  } else if (auto first = link_->first_fin()) {
    closed["by"] = *first == faults::Direction::to_client ? "server" : "client";
    closed["reason"] = "connection closed (eof)";
  } else {
    closed["by"] = stopped_ ? "proxy" : "peer";
    closed["reason"] = link_->end_reason();
  }
  emit("closed", std::move(closed));
}

Proxy::Proxy(ProxyConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->trace = impl_->config.trace ? impl_->config.trace : std::make_shared<NullTrace>();
}

Proxy::~Proxy() { stop(); }

void Proxy::start() {
  auto& d = *impl_;
  if (d.started) return;
  for (const auto& f : d.config.faults) {
    if (auto why = faults::proxy_cannot_apply(f)) throw std::invalid_argument(*why);
  }
  tcp::endpoint ep(asio::ip::make_address(d.config.listen_address), d.config.port);
  d.listener.open(ep.protocol());
  d.listener.set_option(asio::socket_base::reuse_address(true));
  d.listener.bind(ep);
  d.listener.listen(asio::socket_base::max_listen_connections);
  d.port = d.listener.local_endpoint().port();
  std::promise<void> exited;
  d.exited = exited.get_future();
  asio::co_spawn(d.io, [&d] { return d.accept_loop(); }, [](std::exception_ptr ex) {
    if (ex) std::rethrow_exception(ex);
  });
  d.thread = std::thread([&d, exited = std::move(exited)]() mutable {
    d.io.run();
    exited.set_value();
  });
  d.started = true;
}

void Proxy::stop() {
  auto& d = *impl_;
  if (!d.started) return;
  d.started = false;
  std::promise<void> closed;
  auto done = closed.get_future();
  asio::post(d.io, [&d, &closed] {
    error_code ec;
    d.listener.close(ec);
    for (auto& [id, weak] : d.conns) {
      if (auto c = weak.lock()) c->stop();
    }
    closed.set_value();
  });
  done.wait_for(std::chrono::seconds(5));
  if (d.exited.wait_for(std::chrono::seconds(5)) != std::future_status::ready) d.io.stop();
  if (d.thread.joinable()) d.thread.join();
}

std::uint16_t Proxy::port() const noexcept { return impl_->port; }
std::uint64_t Proxy::connections() const noexcept { return impl_->accepted.load(); }

}  // namespace rdpfault::fakeserver
