#include "rdpfault/fakeserver/link.hpp"

// GCC 12 misreads Asio's coroutine frame allocator as a mismatched new/delete (GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace rdpfault::fakeserver {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
using faults::Clock;
using faults::Direction;

namespace {
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 64 * 1024;
/// Once one side has closed, how long the other may keep the connection open.
constexpr auto kLinger = std::chrono::seconds(30);
}  // namespace

Link::Link(asio::ip::tcp::socket client, asio::ip::tcp::socket server, faults::StreamChain to_client,
           faults::StreamChain to_server, faults::PhaseSource& phases, LinkEvents& events, HoldMeter& hold)
    : client_(std::move(client)),
      server_(std::move(server)),
      dirs_{Dir{Direction::to_client, std::move(to_client)}, Dir{Direction::to_server, std::move(to_server)}},
      phases_(phases),
      events_(events),
      hold_(hold) {
  for (auto& d : dirs_) {
    d.wake = std::make_unique<asio::steady_timer>(client_.get_executor());
    d.room = std::make_unique<asio::steady_timer>(client_.get_executor());
  }
  linger_ = std::make_unique<asio::steady_timer>(client_.get_executor());
  const auto now = Clock::now();
  for (auto& d : dirs_) d.chain.phase_changed(phases_.current(), now);
}

void Link::phase_changed(faults::PhaseRange phase) {
  const auto now = Clock::now();
  for (auto& d : dirs_) {
    d.chain.phase_changed(phase, now);
    poke(d);  // A time-based scope may have begun: the writer recomputes its timer.
  }
}

void Link::poke(Dir& d) { d.wake->cancel(); }

void Link::enqueue(Dir& d, std::vector<faults::Segment> segs, faults::TimePoint arrived) {
  for (auto& s : segs) {
    Queued q;
    q.held = s.at > arrived;
    if (q.held) hold_.begin(arrived);
    d.queued_bytes += s.bytes.size();
    q.seg = std::move(s);
    d.queue.push_back(std::move(q));
  }
}

void Link::report_notes(Dir& d) {
  for (auto& n : d.chain.take_notes()) {
    nlohmann::json j = n.note.data.is_object() ? n.note.data : nlohmann::json::object();
    j["fault"] = n.fault_index;
    j["kind"] = n.kind;
    j["direction"] = faults::to_string(d.dir);
    j["what"] = n.note.what;
    j["phase"] = faults::to_string(n.phase);  // Where the bytes it acted on belong, not where the reader is now.
    events_.link_event("fault", std::move(j));
  }
}

asio::awaitable<void> Link::reader(Dir& d) {
  auto& sock = source(d);
  error_code ec;
  // Every read below follows available() or a readiness wait, so it never blocks; the flag
  // makes sure of it (async_write on the other side is unaffected).
  sock.non_blocking(true, ec);
  for (;;) {
    while (d.queued_bytes >= kMaxQueued && !done_) {
      d.room->expires_at(asio::steady_timer::time_point::max());
      co_await d.room->async_wait(use_nothrow);
    }
    if (done_) co_return;
    // No staging buffer: an idle connection holds no read memory. The bytes are read into a
    // vector sized to what the socket holds (at most kReadChunk), which becomes the segment.
    std::vector<std::uint8_t> bytes;
    std::size_t n = 0;
    bool turned = false;  // One turn of the event loop per read, as a completed async read takes.
    for (;;) {
      const std::size_t avail = sock.available(ec);
      if (ec) break;
      if (avail > 0) {
        if (!turned) {
          turned = true;
          co_await asio::post(sock.get_executor(), asio::use_awaitable);
          if (done_) co_return;
          continue;  // More may have arrived meanwhile.
        }
        bytes.resize(std::min(avail, kReadChunk));
        n = sock.read_some(asio::buffer(bytes), ec);
        break;
      }
      // Nothing to read: the sender's FIN or an error (a peek reports either without taking a
      // byte), or nothing yet. A readiness wait only completes on the next event (Asio's
      // reactor is edge-triggered), so it must not start while a FIN is already there.
      std::uint8_t probe = 0;
      sock.receive(asio::buffer(&probe, 1), asio::socket_base::message_peek, ec);
      if (!ec) continue;  // A byte arrived since available().
      if (ec != asio::error::would_block && ec != asio::error::try_again) break;
      auto [wec] = co_await sock.async_wait(asio::socket_base::wait_read, use_nothrow);
      if (done_) co_return;
      ec = wec;
      if (ec) break;
      turned = true;
    }
    if (done_) co_return;
    const auto now = Clock::now();
    if (ec) {
      if (ec == asio::error::eof) {
        Queued fin;
        fin.fin = true;
        fin.seg.at = d.chain.end(now, phases_.current());
        d.queue.push_back(std::move(fin));
        d.fin_read = true;
        if (!first_fin_) first_fin_ = d.dir;
        report_notes(d);
        poke(d);
      } else {
        const bool from_client = d.dir == Direction::to_server;
        finish(std::string(from_client ? "the client" : "the server") + " side failed: " + ec.message(),
               ec == asio::error::connection_reset);
      }
      co_return;
    }
    d.read += n;
    bytes.resize(n);
    const auto pieces = phases_.observe(d.dir, std::span<const std::uint8_t>(bytes.data(), n));
    std::size_t off = 0;
    for (const auto& piece : pieces) {
      faults::Segment seg;
      seg.at = now;
      if (pieces.size() == 1) {
        seg.bytes = std::move(bytes);  // The usual case: the read is the segment, no copy.
      } else {                         // A phase boundary inside the read: a segment per phase.
        seg.bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(off),
                         bytes.begin() + static_cast<std::ptrdiff_t>(off + piece.length));
      }
      off += piece.length;
      enqueue(d, d.chain.feed(std::move(seg), piece.phase), now);
    }
    report_notes(d);
    poke(d);
  }
}

asio::awaitable<void> Link::writer(Dir& d) {
  for (;;) {
    if (done_) co_return;
    auto now = Clock::now();
    if (d.chain.next_timer() <= now) {
      enqueue(d, d.chain.tick(now, phases_.current()), now);
      report_notes(d);
    }
    if (const auto& v = d.chain.verdict()) {
      const bool before_verdict = !d.queue.empty() && d.queue.front().seg.at <= v->at;
      if (!before_verdict && v->at <= now) {
        verdict_ = v;
        finish(v->why, v->rst);
        co_return;
      }
    }
    if (!d.queue.empty() && d.queue.front().seg.at <= now) {
      Queued q = std::move(d.queue.front());
      d.queue.pop_front();
      if (q.fin) {
        error_code ignored;
        sink(d).shutdown(asio::socket_base::shutdown_send, ignored);
        d.fin_written = true;
        linger_->cancel();  // The guard starts the other side's clock.
        if (dirs_[0].fin_written && dirs_[1].fin_written) {
          finish("both sides closed", false);
          co_return;
        }
        continue;
      }
      auto [ec, n] = co_await asio::async_write(sink(d), asio::buffer(q.seg.bytes), use_nothrow);
      if (q.held) hold_.end(Clock::now());
      if (done_) co_return;  // finish() emptied the queue meanwhile.
      d.queued_bytes -= q.seg.bytes.size();
      d.room->cancel();
      if (ec) {
        const bool to_client = d.dir == Direction::to_client;
        finish(std::string(to_client ? "the client" : "the server") + " side failed: " + ec.message(),
               ec == asio::error::connection_reset);
        co_return;
      }
      d.written += n;
      continue;
    }
    auto wake = asio::steady_timer::time_point::max();
    if (!d.queue.empty()) wake = d.queue.front().seg.at;
    wake = std::min(wake, d.chain.next_timer());
    if (const auto& v = d.chain.verdict()) wake = std::min(wake, v->at);
    d.wake->expires_at(wake);
    co_await d.wake->async_wait(use_nothrow);
  }
}

asio::awaitable<void> Link::linger_guard() {
  // Waits until one side's close has been passed on (the writer pokes this timer), then
  // gives the other side kLinger to follow. finish() cancels it.
  while (!done_ && !dirs_[0].fin_written && !dirs_[1].fin_written) {
    linger_->expires_at(asio::steady_timer::time_point::max());
    co_await linger_->async_wait(use_nothrow);
  }
  if (done_) co_return;
  linger_->expires_after(kLinger);
  co_await linger_->async_wait(use_nothrow);
  finish("the other side did not close within " + std::to_string(kLinger.count()) + " s", false);
}

asio::awaitable<void> Link::run() {
  auto self = shared_from_this();  // Alive until every pump has returned.
  co_await (reader(dirs_[0]) && reader(dirs_[1]) && writer(dirs_[0]) && writer(dirs_[1]) && linger_guard());
}

void Link::finish(std::string why, bool rst) {
  if (done_) return;
  done_ = true;
  end_reason_ = why;
  const auto now = Clock::now();
  error_code ignored;
  if (rst) {
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    server_.set_option(asio::socket_base::linger(true, 0), ignored);
  }
  client_.close(ignored);
  server_.close(ignored);
  for (auto& d : dirs_) {
    d.wake->cancel();
    d.room->cancel();
    // What is still queued is never delivered: its hold ends now.
    for (const auto& q : d.queue) {
      if (q.held) hold_.end(now);
    }
    d.queue.clear();
    d.queued_bytes = 0;
  }
  linger_->cancel();
  auto dir_json = [](const Dir& d) {
    return nlohmann::json{{"read", d.read}, {"written", d.written}, {"faults", d.chain.summary()}};
  };
  events_.link_event("link", {{"reason", std::move(why)},
                              {"by", verdict_ ? "network" : "peer"},
                              {"rst", rst},
                              {"held_ms", hold_.total_ms(now)},
                              {"to_client", dir_json(dirs_[0])},
                              {"to_server", dir_json(dirs_[1])}});
}

void Link::reset() { finish("the server reset the connection", true); }

void Link::stop() { finish("stopped", false); }

}  // namespace rdpfault::fakeserver
