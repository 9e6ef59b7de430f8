#pragma once
/// The byte path between a client and a server, with the network conditions of
/// rdpfault::faults applied per direction: the only place stream faults touch sockets.
///
///   client socket  <-- to_client chain <--  server side (the session's socketpair end,
///                  --> to_server chain -->   or an upstream RDP server for the proxy)
///
/// Per direction, a reader stamps each chunk with the time it arrived, asks the
/// `PhaseSource` which phase each of its bytes belongs to, and feeds the pieces to the
/// direction's chain; a writer delivers the chain's segments in order, each no earlier than
/// its `at`, and carries out the chain's verdict (close or reset both sides). A side's FIN
/// is passed on after its last segment (later, with slow_close). Each queue is bounded
/// (kMaxQueued): a reader stops reading while its writer is behind, so a slow direction
/// slows its sender instead of growing memory.
///
/// Lifetime: owned by a shared_ptr held by its coroutine (`run`); it ends when both
/// directions have delivered their FIN, on a verdict, on an error, or on `stop()`.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "rdpfault/faults/phase_source.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::fakeserver {

/// Counts the wall time during which a connection is deliberately held back (a fault's
/// delay, bytes a network condition holds): the union of the hold intervals, not their sum.
class HoldMeter {
 public:
  void begin(faults::TimePoint now) {
    if (open_++ == 0) since_ = now;
  }
  void end(faults::TimePoint now) {
    if (open_ > 0 && --open_ == 0) total_ += now - since_;
  }
  /// Milliseconds held so far (intervals still open count up to `now`).
  std::int64_t total_ms(faults::TimePoint now) const {
    auto t = total_;
    if (open_ > 0) t += now - since_;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
  }

 private:
  int open_ = 0;
  faults::TimePoint since_{};
  faults::Clock::duration total_{};
};

/// Where the link reports what it did: notes of its faults, how it ended, and counters.
class LinkEvents {
 public:
  virtual ~LinkEvents() = default;
  virtual void link_event(std::string kind, nlohmann::json data) = 0;
};

class Link : public std::enable_shared_from_this<Link> {
 public:
  static constexpr std::size_t kMaxQueued = 1 << 20;  ///< Bytes a direction may hold before its reader waits.

  /// `phases`, `events` and `hold` must outlive the link.
  Link(boost::asio::ip::tcp::socket client, boost::asio::ip::tcp::socket server, faults::StreamChain to_client,
       faults::StreamChain to_server, faults::PhaseSource& phases, LinkEvents& events, HoldMeter& hold);

  /// Pumps both directions until the connection is over.
  boost::asio::awaitable<void> run();
  /// The server side reset the connection: reset the client at once (unsent bytes are lost).
  void reset();
  /// Closes both sides now (server shutdown).
  void stop();
  /// The phase moved without bytes: let time-based scopes begin.
  void phase_changed(faults::PhaseRange phase);

  /// Why the link ended the connection itself (a verdict), if it did.
  const std::optional<faults::Verdict>& verdict() const noexcept { return verdict_; }
  std::uint64_t bytes_from(faults::Direction dir) const noexcept { return dirs_[index(dir)].read; }
  /// The direction whose sender closed first (to_client: the server side), if one did.
  const std::optional<faults::Direction>& first_fin() const noexcept { return first_fin_; }
  /// Why the link ended, once it has.
  const std::string& end_reason() const noexcept { return end_reason_; }

 private:
  struct Queued {
    faults::Segment seg;
    bool held = false;  ///< Counted in the hold meter until written.
    bool fin = false;   ///< The sender's close, passed on here.
  };
  struct Dir {
    Dir(faults::Direction d, faults::StreamChain c) : dir(d), chain(std::move(c)) {}
    faults::Direction dir;
    faults::StreamChain chain;
    std::deque<Queued> queue;
    std::size_t queued_bytes = 0;
    std::uint64_t read = 0, written = 0;
    bool fin_read = false, fin_written = false;
    std::unique_ptr<boost::asio::steady_timer> wake;  ///< Wakes the writer (new segments, timers).
    std::unique_ptr<boost::asio::steady_timer> room;  ///< Wakes the reader (queue drained).
  };
  static std::size_t index(faults::Direction d) noexcept { return d == faults::Direction::to_client ? 0 : 1; }
  boost::asio::ip::tcp::socket& source(Dir& d) { return d.dir == faults::Direction::to_client ? server_ : client_; }
  boost::asio::ip::tcp::socket& sink(Dir& d) { return d.dir == faults::Direction::to_client ? client_ : server_; }

  boost::asio::awaitable<void> reader(Dir& d);
  boost::asio::awaitable<void> writer(Dir& d);
  boost::asio::awaitable<void> linger_guard();
  void enqueue(Dir& d, std::vector<faults::Segment> segs, faults::TimePoint arrived);
  void report_notes(Dir& d);
  void finish(std::string why, bool rst);
  void poke(Dir& d);

  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket server_;
  Dir dirs_[2];
  faults::PhaseSource& phases_;
  LinkEvents& events_;
  HoldMeter& hold_;
  std::unique_ptr<boost::asio::steady_timer> linger_;  ///< The guard's clock once one side has closed.
  std::optional<faults::Verdict> verdict_;
  std::optional<faults::Direction> first_fin_;
  std::string end_reason_;
  bool done_ = false;
};

}  // namespace rdpfault::fakeserver
