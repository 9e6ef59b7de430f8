#include "light_client.hpp"

#include <memory>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client_frames.hpp"

namespace rdpfault::bench {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

struct Conn {
  explicit Conn(asio::io_context& io, asio::ssl::context& ctx) : tls(io, ctx) {}
  asio::ssl::stream<tcp::socket> tls;
};

template <class Stream>
asio::awaitable<bool> read_frames(Stream& s, int count) {
  for (int i = 0; i < count; ++i) {
    std::uint8_t head[4];
    auto [ec, n] = co_await asio::async_read(s, asio::buffer(head), use_nothrow);
    if (ec || head[0] != 3) co_return false;
    std::vector<std::uint8_t> rest(static_cast<std::size_t>((head[2] << 8 | head[3]) - 4));
    auto [ec2, n2] = co_await asio::async_read(s, asio::buffer(rest), use_nothrow);
    if (ec2) co_return false;
  }
  co_return true;
}

template <class Stream>
asio::awaitable<bool> send(Stream& s, const pdu::Bytes& b) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(b), use_nothrow);
  co_return !ec;
}

asio::awaitable<std::string> handshake(Conn& c, std::uint16_t port) {
  test::ClientFrames f;
  auto& sock = c.tls.next_layer();
  auto [ec] = co_await sock.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), use_nothrow);
  if (ec) co_return "connect: " + ec.message();
  if (!co_await send(sock, f.connection_request()) || !co_await read_frames(sock, 1)) co_return "x224";
  auto [hec] = co_await c.tls.async_handshake(asio::ssl::stream_base::client, use_nothrow);
  if (hec) co_return "tls: " + hec.message();
  if (!co_await send(c.tls, f.connect_initial()) || !co_await read_frames(c.tls, 1)) co_return "mcs connect";
  if (!co_await send(c.tls, pdu::encode_erect_domain_request()) || !co_await send(c.tls, pdu::encode_attach_user_request()) ||
      !co_await read_frames(c.tls, 1)) {
    co_return "attach user";
  }
  for (auto ch : f.joins()) {
    if (!co_await send(c.tls, f.join(ch)) || !co_await read_frames(c.tls, 1)) co_return "channel join";
  }
  if (!co_await send(c.tls, f.client_info()) || !co_await read_frames(c.tls, 2)) co_return "licensing";
  for (const auto& b : {f.confirm_active(), f.synchronize(), f.cooperate(), f.request_control()}) {
    if (!co_await send(c.tls, b)) co_return "finalization";
  }
  if (!co_await read_frames(c.tls, 3)) co_return "finalization";
  if (!co_await send(c.tls, f.font_list()) || !co_await read_frames(c.tls, 3)) co_return "font map and paint";
  co_return "";
}

}  // namespace

LightClientResult run_light_clients(std::uint16_t port, int sessions, int parallel, void (*while_idle)(void*), void* arg) {
  asio::io_context io(1);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  std::vector<std::unique_ptr<Conn>> conns;
  LightClientResult result;
  int next = 0;
  int running = 0;
  std::function<void()> launch = [&] {
    while (running < parallel && next < sessions) {
      auto& c = conns.emplace_back(std::make_unique<Conn>(io, ctx));
      ++next;
      ++running;
      asio::co_spawn(io, handshake(*c, port), [&](std::exception_ptr ex, std::string err) {
        --running;
        if (ex || !err.empty()) {
          ++result.failed;
          if (result.first_error.empty()) result.first_error = ex ? "exception" : err;
        } else {
          ++result.active;
        }
        launch();
      });
    }
  };
  launch();
  io.run_for(std::chrono::minutes(5));  // Every handshake has finished well before this.
  while_idle(arg);
  for (auto& c : conns) {
    boost::system::error_code ec;
    c->tls.next_layer().close(ec);
  }
  return result;
}

}  // namespace rdpfault::bench
