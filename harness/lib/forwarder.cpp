#include "forwarder.hpp"

// GCC 12 false positive on Asio coroutine frames (see fakeserver/src/server.cpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <future>
#include <list>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace rdpfault::harness {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

struct Forwarder::Impl {
  asio::io_context io{1};
  tcp::acceptor listener{io};
  std::uint16_t target = 0;
  std::uint16_t port = 0;
  std::list<std::shared_ptr<tcp::socket>> sockets;  // I/O thread only.
  std::thread thread;
  bool stopped = false;

  static asio::awaitable<void> pipe(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    std::array<char, 16384> buf;
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), use_nothrow);
      if (ec) break;
      auto [wec, w] = co_await asio::async_write(*to, asio::buffer(buf.data(), n), use_nothrow);
      if (wec) break;
    }
    boost::system::error_code ignored;
    to->shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, s] = co_await listener.async_accept(use_nothrow);
      if (ec) co_return;
      auto client = std::make_shared<tcp::socket>(std::move(s));
      auto upstream = std::make_shared<tcp::socket>(io);
      auto [cec] = co_await upstream->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target),
                                                    use_nothrow);
      if (cec) {
        boost::system::error_code ignored;
        client->close(ignored);
        continue;
      }
      sockets.push_back(client);
      sockets.push_back(upstream);
      asio::co_spawn(io, pipe(client, upstream), asio::detached);
      asio::co_spawn(io, pipe(upstream, client), asio::detached);
    }
  }
};

Forwarder::Forwarder(const std::string& address, std::uint16_t port, std::uint16_t target)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.target = target;
  tcp::endpoint ep(asio::ip::make_address(address), port);
  d.listener.open(ep.protocol());
  d.listener.set_option(asio::socket_base::reuse_address(true));
  d.listener.bind(ep);
  d.listener.listen();
  d.port = d.listener.local_endpoint().port();
  asio::co_spawn(d.io, d.accept_loop(), asio::detached);
  d.thread = std::thread([&d] { d.io.run(); });
}

Forwarder::~Forwarder() { stop(); }

std::uint16_t Forwarder::port() const { return impl_->port; }

void Forwarder::stop() {
  auto& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  asio::post(d.io, [&d] {
    boost::system::error_code ignored;
    d.listener.close(ignored);
    for (auto& s : d.sockets) s->close(ignored);
  });
  // Everything is closed; the pipes unwind at once. Bound the wait regardless.
  auto done = std::async(std::launch::async, [&d] { d.thread.join(); });
  if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    d.io.stop();
    done.wait();
  }
}

}  // namespace rdpfault::harness
