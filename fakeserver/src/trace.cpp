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

namespace {

/// `s` safe to print on one terminal line: control characters (C0, DEL, C1), invalid UTF-8
/// and the code points that reorder or break lines (U+2028/9, the bidi controls) become
/// escapes (\n, \x1b, \u{202e}), and a backslash is doubled, so a value that a
/// client chose (the X.224 cookie, a user name) can neither forge a trace line nor send
/// escape sequences to the terminal. Printable text, UTF-8 included, is kept as it is.
std::string printable(std::string_view s, bool json = false) {
  std::string o;
  o.reserve(s.size());
  char buf[16];
  auto hex_byte = [&](unsigned char c) {
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    o += buf;
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': o += json ? "\\" : "\\\\"; break;  // JSON's own escapes are unambiguous.
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            hex_byte(c);
          } else {
            o += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then every continuation byte checked.
    const std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    std::uint32_t cp = len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not text.
    ok = ok && !((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                 (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF);
    if (!ok) {
      hex_byte(c);
      ++i;
      continue;
    }
    const bool hidden = (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E || cp == 0x200F ||
                        (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
    if (hidden) {
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
      o += buf;
    } else {
      o.append(s, i, len);
    }
    i += len;
  }
  return o;
}

}  // namespace

std::string format_event(const TraceEvent& e) {
  char head[64];
  std::snprintf(head, sizeof head, "+%9.3fms #%llu ", static_cast<double>(e.t_us) / 1000.0,
                static_cast<unsigned long long>(e.conn));
  std::string s = head + printable(e.event);
  if (e.data.is_object()) {
    for (const auto& [k, v] : e.data.items()) {
      s += ' ';
      s += printable(k);
      s += '=';
      // Strings as they are (escaped); anything else as compact JSON, whose strings JSON has
      // already escaped except for C1 controls and the like, which printable() catches.
      s += v.is_string() ? printable(v.get_ref<const std::string&>())
                         : printable(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), true);
    }
  }
  return s;
}

}  // namespace rdpfault::fakeserver
