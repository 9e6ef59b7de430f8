#include "rdpfault/fakeserver/trace.hpp"

#include <cstdio>
#include <ostream>

namespace rdpfault::fakeserver {

nlohmann::json TraceEvent::to_json() const {
  nlohmann::json j = {{"conn", conn}, {"ts_us", ts_us}, {"t_us", t_us}, {"event", event}};
  if (data.is_object()) {
    for (const auto& [k, v] : data.items()) j[k] = v;
  }
  return j;
}

std::string TraceEvent::to_json_line() const {
  std::string line = "{\"conn\":" + std::to_string(conn) + ",\"ts_us\":" + std::to_string(ts_us) +
                     ",\"t_us\":" + std::to_string(t_us) + ",\"event\":" + nlohmann::json(event).dump();
  if (data.is_object() && !data.empty()) {
    const auto rest = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += ',';
    line.append(rest, 1, std::string::npos);  // Drop the data object's own '{'.
  } else {
    line += '}';
  }
  return line;
}

void MemoryTrace::record(const TraceEvent& e) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(e);
  }
  cv_.notify_all();
}

std::vector<TraceEvent> MemoryTrace::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<TraceEvent> MemoryTrace::events_for(std::uint64_t conn) const {
  std::lock_guard lock(mu_);
  std::vector<TraceEvent> out;
  for (const auto& e : events_) {
    if (e.conn == conn) out.push_back(e);
  }
  return out;
}

bool MemoryTrace::wait_until(const std::function<bool(const std::vector<TraceEvent>&)>& pred,
                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return pred(events_); });
}

std::size_t MemoryTrace::closed_count() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& e : events_) n += e.event == "closed";
  return n;
}

void JsonLinesTrace::record(const TraceEvent& e) {
  auto line = e.to_json_line();
  std::lock_guard lock(mu_);
  out_ << line << '\n' << std::flush;
}

std::string format_event(const TraceEvent& e) {
  char head[64];
  std::snprintf(head, sizeof head, "+%9.3fms #%llu ", static_cast<double>(e.t_us) / 1000.0,
                static_cast<unsigned long long>(e.conn));
  std::string s = head + e.event;
  if (e.data.is_object()) {
    for (const auto& [k, v] : e.data.items()) {
      s += ' ';
      s += k;
      s += '=';
      s += v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  return s;
}

}  // namespace rdpfault::fakeserver
