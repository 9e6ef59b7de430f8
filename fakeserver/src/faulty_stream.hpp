#pragma once
// A stream layer under ssl::stream that can cut the server's TLS output short, so a
// handshake stalls midway (Beast's layered-stream idiom: it forwards to `next_`).
#include <cstddef>
#include <optional>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_prefix.hpp>

namespace rdpfault::fakeserver {

template <class NextLayer>
class FaultyStream {
 public:
  using next_layer_type = std::remove_reference_t<NextLayer>;
  using executor_type = typename next_layer_type::executor_type;
  /// ssl::stream asks for a lowest layer; for beast::tcp_stream that is its socket.
  using lowest_layer_type = typename next_layer_type::socket_type;

  explicit FaultyStream(NextLayer next) : next_(next) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }
  lowest_layer_type& lowest_layer() noexcept { return next_.socket(); }

  /// After `n` more bytes, writes succeed without sending anything.
  void set_write_budget(std::optional<std::size_t> n) noexcept { budget_ = n; }
  bool swallowing() const noexcept { return budget_ && *budget_ == 0; }

  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return next_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return boost::asio::async_initiate<WriteHandler, void(boost::system::error_code, std::size_t)>(
        [this](auto h, const ConstBufferSequence& bufs) {
          const std::size_t total = boost::asio::buffer_size(bufs);
          if (!budget_) {
            next_.async_write_some(bufs, std::move(h));
            return;
          }
          if (*budget_ == 0) {
            // Pretend the bytes went out; the peer never sees them.
            boost::asio::post(next_.get_executor(), [h = std::move(h), total]() mutable {
              std::move(h)(boost::system::error_code{}, total);
            });
            return;
          }
          const std::size_t n = std::min(total, *budget_);
          next_.async_write_some(boost::beast::buffers_prefix(n, bufs),
                                 [this, h = std::move(h)](boost::system::error_code ec, std::size_t sent) mutable {
                                   *budget_ -= std::min(sent, *budget_);
                                   std::move(h)(ec, sent);
                                 });
        },
        handler, buffers);
  }

 private:
  NextLayer next_;
  std::optional<std::size_t> budget_;
};

}  // namespace rdpfault::fakeserver
