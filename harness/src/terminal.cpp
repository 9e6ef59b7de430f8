#include "terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include "rdpfault/harness/report.hpp"

namespace rdpfault::cli {
namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The byte offset after the first `n` code points of `s`.
std::size_t prefix_bytes(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  while (i < s.size() && n > 0) {
    ++i;
    while (i < s.size() && continuation(s[i])) ++i;
    --n;
  }
  return i;
}

std::string pad(const std::string& s, std::size_t width) {
  const auto w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

const char* kGreen = "\033[32m";
const char* kRed = "\033[1;31m";
const char* kReset = "\033[0m";

std::string symptom_of(const harness::ScenarioOutcome& o) {
  return o.broken.error.empty() ? harness::describe_symptom(o.broken.result) : o.broken.error;
}

void print_table(std::ostream& out, const std::vector<harness::ScenarioOutcome>& outcomes, std::size_t width,
                 std::size_t name_w, bool color) {
  const std::size_t verdict_w = 7, gaps = 8;
  const std::size_t rest = width - name_w - verdict_w - gaps;
  const std::size_t cause_w = rest * 30 / 100, symptom_w = rest * 40 / 100, fix_w = rest - cause_w - symptom_w;
  out << pad("scenario", name_w) << "  " << pad("cause", cause_w) << "  " << pad("symptom seen", symptom_w) << "  "
      << pad("fix", fix_w) << "  verdict\n";
  out << std::string(width, '-') << "\n";
  for (const auto& o : outcomes) {
    const auto& s = *o.scenario;
    const std::vector<std::vector<std::string>> cells = {wrap(s.name, name_w), wrap(s.cause, cause_w),
                                                         wrap(symptom_of(o), symptom_w), wrap(s.fix, fix_w)};
    const std::size_t widths[] = {name_w, cause_w, symptom_w, fix_w};
    std::size_t rows = 0;
    for (const auto& c : cells) rows = std::max(rows, c.size());
    for (std::size_t r = 0; r < rows; ++r) {
      std::string line;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        line += pad(r < cells[c].size() ? cells[c][r] : "", widths[c]) + "  ";
      }
      if (r == 0) {
        line += verdict(o.passed(), color);
      } else {
        while (!line.empty() && line.back() == ' ') line.pop_back();
      }
      out << line << "\n";
    }
  }
}

void print_blocks(std::ostream& out, const std::vector<harness::ScenarioOutcome>& outcomes, std::size_t width,
                  bool color) {
  const std::string indent(6, ' ');
  const std::size_t label_w = 9;  // "symptom: "
  const std::size_t text_w = width - indent.size() - label_w;
  bool first = true;
  for (const auto& o : outcomes) {
    const auto& s = *o.scenario;
    if (!first) out << "\n";
    first = false;
    const auto names = wrap(s.name, width - 6);
    out << verdict(o.passed(), color) << "  " << names[0] << "\n";
    for (std::size_t i = 1; i < names.size(); ++i) out << indent << names[i] << "\n";
    for (const auto& [label, text] : {std::pair<const char*, std::string>{"cause:", s.cause},
                                      {"symptom:", symptom_of(o)},
                                      {"fix:", s.fix}}) {
      const auto lines = wrap(text, text_w);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        out << indent << pad(i == 0 ? label : "", label_w) << lines[i] << "\n";
      }
    }
  }
}

}  // namespace

bool use_color(int fd, ColorMode mode) {
  if (mode == ColorMode::always) return true;
  if (mode == ColorMode::never) return false;
  if (const char* no = std::getenv("NO_COLOR"); no && *no) return false;
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

int terminal_width(int fd, int fallback) {
  if (const char* cols = std::getenv("COLUMNS"); cols && *cols) {
    char* end = nullptr;
    const long v = std::strtol(cols, &end, 10);
    if (end && *end == '\0' && v > 0 && v < 10000) return static_cast<int>(v);
  }
  winsize ws{};
  if (::isatty(fd) == 1 && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return fallback;
}

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += continuation(c) ? 0 : 1;
  return n;
}

std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  width = std::max<std::size_t>(width, 1);
  std::vector<std::string> lines;
  std::string line;
  std::size_t line_w = 0;
  std::size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    if (j == i) break;
    std::string_view word = text.substr(i, j - i);
    i = j;
    std::size_t ww = display_width(word);
    if (line_w > 0 && line_w + 1 + ww <= width) {
      line += ' ';
      line += word;
      line_w += 1 + ww;
      continue;
    }
    if (line_w > 0) {
      lines.push_back(std::move(line));
      line.clear();
      line_w = 0;
    }
    while (ww > width) {  // A word longer than a line: break it, losing nothing.
      const auto cut = prefix_bytes(word, width);
      lines.emplace_back(word.substr(0, cut));
      word.remove_prefix(cut);
      ww -= width;
    }
    line = std::string(word);
    line_w = ww;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string verdict(bool passed, bool color) {
  if (!color) return passed ? "PASS" : "FAIL";
  return std::string(passed ? kGreen : kRed) + (passed ? "PASS" : "FAIL") + kReset;
}

void print_results(std::ostream& out, const std::vector<harness::ScenarioOutcome>& outcomes, int width, bool color) {
  const std::size_t w = static_cast<std::size_t>(std::max(width, 40));
  std::size_t name_w = 8;
  for (const auto& o : outcomes) name_w = std::max(name_w, display_width(o.scenario->name));
  name_w = std::min<std::size_t>(name_w, 34);
  const std::size_t fixed = name_w + 7 + 8;
  if (w > fixed && w - fixed >= 3 * 25 + 9) {
    print_table(out, outcomes, w, name_w, color);
  } else {
    print_blocks(out, outcomes, w, color);
  }
}

std::string clock_text(std::chrono::steady_clock::duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  char b[32];
  if (s >= 3600) {
    std::snprintf(b, sizeof b, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(b, sizeof b, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  }
  return b;
}

Progress::Progress(std::ostream& out, std::size_t total, int width, bool color)
    : out_(out), total_(total), width_(std::max(width, 20)), color_(color) {
  ticker_ = std::thread([this] { tick(); });
}

Progress::~Progress() { stop(); }

void Progress::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard lock(mu_);
  out_ << "\r\033[K" << std::flush;
}

void Progress::tick() {
  std::unique_lock lock(mu_);
  draw_locked();
  while (!stopping_) {
    // Redraw on the next whole second of elapsed time, so the clock moves one step at a time.
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    const auto next = start_ + std::chrono::duration_cast<std::chrono::seconds>(elapsed) + std::chrono::seconds(1);
    if (cv_.wait_until(lock, next, [this] { return stopping_; })) break;
    draw_locked();
  }
}

void Progress::started(const std::string& name) {
  std::lock_guard lock(mu_);
  running_.emplace_back(name, std::chrono::steady_clock::now());
  draw_locked();
}

void Progress::finished(const std::string& name, bool passed) {
  std::lock_guard lock(mu_);
  ++done_;
  if (!passed) ++failed_;
  running_.erase(std::remove_if(running_.begin(), running_.end(), [&](const auto& r) { return r.first == name; }),
                 running_.end());
  draw_locked();
}

void Progress::print(const std::string& line) {
  std::lock_guard lock(mu_);
  out_ << "\r\033[K" << line << "\n";
  draw_locked();
}

void Progress::draw_locked() {
  if (stopping_) return;
  const auto now = std::chrono::steady_clock::now();
  std::string line = "[" + std::to_string(done_) + "/" + std::to_string(total_) + "] " + std::to_string(failed_) +
                     " failed, " + clock_text(now - start_) + " elapsed";
  if (!running_.empty()) {
    line += " | running: " + running_.front().first + " " + clock_text(now - running_.front().second);
    if (running_.size() > 1) line += " +" + std::to_string(running_.size() - 1);
  }
  // One line, never wrapped (a wrapped line could not be redrawn in place).
  const auto max = static_cast<std::size_t>(width_ - 1);
  if (display_width(line) > max) line.resize(prefix_bytes(line, max));
  std::string shown = line;
  if (color_ && failed_ > 0) {
    const auto at = shown.find(" failed");
    const auto start = shown.find("] ") + 2;
    if (at != std::string::npos && start < at) shown = shown.substr(0, start) + kRed + shown.substr(start, at - start) + " failed" + kReset + shown.substr(at + 7);
  }
  out_ << "\r\033[K" << shown << std::flush;
}

}  // namespace rdpfault::cli
