#pragma once
// Output for people at a terminal: its width, colour only where it helps (a TTY, not
// NO_COLOR, not TERM=dumb, or --color always), the result table laid out for the width (a
// table when it fits, one block per scenario when it does not; cells wrap, never cut), and
// the progress line of `rdpfault run`, which ticks while scenarios wait.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "rdpfault/harness/runner.hpp"

namespace rdpfault::cli {

enum class ColorMode { automatic, always, never };

/// Whether to colour what goes to `fd`.
bool use_color(int fd, ColorMode mode);

/// Columns available on `fd`: $COLUMNS when set to a number, else the terminal's width
/// (TIOCGWINSZ) when `fd` is one, else `fallback`.
int terminal_width(int fd, int fallback);

/// `text` in lines of at most `width` characters (UTF-8 aware), breaking at spaces, and
/// inside a word only when the word alone is longer than a line. Nothing is dropped but
/// the spaces at the breaks.
std::vector<std::string> wrap(std::string_view text, std::size_t width);

/// Display width of UTF-8 text (one column per code point).
std::size_t display_width(std::string_view s);

/// "PASS"/"FAIL", coloured when `color`.
std::string verdict(bool passed, bool color);

/// The results: scenario, cause, symptom seen, fix, verdict. A table with wrapped cells
/// when `width` leaves each text column at least 25 characters; otherwise one block per
/// scenario (verdict and name, then cause, symptom and fix each wrapped under a label).
/// No line is longer than `width` (at least 40).
void print_results(std::ostream& out, const std::vector<harness::ScenarioOutcome>& outcomes, int width, bool color);

/// "0:07", "12:34", "1:02:03".
std::string clock_text(std::chrono::steady_clock::duration d);

/// The live progress line of `rdpfault run` on a terminal: done / total, failures, elapsed
/// time and what is running for how long, redrawn at every change and every second between
/// (so it ticks during a scenario's long deliberate wait). Lines printed through it appear
/// above the progress line.
class Progress {
 public:
  Progress(std::ostream& out, std::size_t total, int width, bool color);
  ~Progress();  ///< Stops the ticker and clears the line.
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void started(const std::string& name);
  void finished(const std::string& name, bool passed);
  /// Prints `line` above the progress line.
  void print(const std::string& line);
  void stop();

 private:
  void draw_locked();
  void tick();

  std::ostream& out_;
  const std::size_t total_;
  const int width_;
  const bool color_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::size_t done_ = 0, failed_ = 0;
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> running_;
  std::thread ticker_;
};

}  // namespace rdpfault::cli
