#pragma once
/// The server-side trace: every connection's ordered events with microsecond timestamps.
///
/// Events (the `event` field) and their data:
///   accepted      {peer}
///   phase         {phase}                      the phase the server now waits in
///   x224_request  {cookie, neg_req, requested_protocols, requested, flags}
///   negotiation   {result: selected|failure, selected | failure_code, failure}
///   tls           {result: ok|failed, version, cipher, sni | error}
///   tls_alert     {from: client|server, level, description}
///   pdu_in/pdu_out {pdu, size}
///   client_data   {client_name, client_build, desktop, channels, ...}
///   client_info   {user, domain, password_present}  -- never a password
///   behaviour     {what}                       a configured deviation took effect (stall...)
///   protocol_error {error}
///   closed        {by: client|server, reason}
/// Sinks are called from the server's I/O thread; the ones here are thread-safe to read.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rdpfault::fakeserver {

struct TraceEvent {
  std::uint64_t conn = 0;   ///< Connection number, from 1, per server.
  std::int64_t ts_us = 0;   ///< Wall clock, microseconds since the Unix epoch.
  std::int64_t t_us = 0;    ///< Microseconds since this connection was accepted.
  std::string event;
  nlohmann::json data;

  nlohmann::json to_json() const;  ///< {"conn", "ts_us", "t_us", "event", ...data}
  /// The same object as one line of JSON text, composed without building a merged object.
  std::string to_json_line() const;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void record(const TraceEvent& e) = 0;
};

/// Keeps every event in memory, for the harness and tests.
class MemoryTrace final : public TraceSink {
 public:
  void record(const TraceEvent& e) override;
  std::vector<TraceEvent> events() const;
  std::vector<TraceEvent> events_for(std::uint64_t conn) const;
  /// Waits until `pred(events)` holds or `timeout` passes; returns whether it held.
  bool wait_until(const std::function<bool(const std::vector<TraceEvent>&)>& pred,
                  std::chrono::milliseconds timeout) const;
  /// Number of connections that have a `closed` event.
  std::size_t closed_count() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<TraceEvent> events_;
};

/// Writes one JSON object per line and flushes each line.
class JsonLinesTrace final : public TraceSink {
 public:
  explicit JsonLinesTrace(std::ostream& out) : out_(out) {}
  void record(const TraceEvent& e) override;

 private:
  std::mutex mu_;
  std::ostream& out_;
};

/// Sends every event to several sinks.
class TeeTrace final : public TraceSink {
 public:
  explicit TeeTrace(std::vector<TraceSink*> sinks) : sinks_(std::move(sinks)) {}
  void record(const TraceEvent& e) override {
    for (auto* s : sinks_) s->record(e);
  }

 private:
  std::vector<TraceSink*> sinks_;
};

/// One line for humans: "+12.345ms #3 pdu_out pdu=mcs connect-response size=104".
std::string format_event(const TraceEvent& e);

}  // namespace rdpfault::fakeserver
