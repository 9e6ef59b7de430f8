#pragma once
// Exit codes and the errors that carry them, the same for every subcommand:
//   0  success
//   1  the command ran and found a problem: a scenario misbehaved, a file has problems, the
//      client did not reach the active session, no code matched, a page is stale
//   2  bad usage or bad input: unknown command or flag, a value out of range, a file that is
//      not a scenario, an unknown scenario name, a path given that does not exist
//   3  an environment problem: a port in use, the FreeRDP driver missing, a file that cannot
//      be written, a network namespace that cannot be set up
// When several apply (a scenario failed and the report could not be written), the largest wins.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "rdpfault/scenario/spelling.hpp"

namespace rdpfault::cli {

enum ExitCode : int { kOk = 0, kFindings = 1, kUsage = 2, kEnvironment = 3 };

/// What the user typed is wrong (exit 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What the user typed is fine but the machine said no (exit 3).
struct EnvironmentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// strerror(err) starting lower-case, as the rest of a sentence: "address already in use".
inline std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (s.size() > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z')) s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

/// An error code's message as the rest of a sentence, with no library location attached.
inline std::string error_code_text(const std::error_code& ec) {
  if (ec.category() == std::generic_category() || ec.category() == std::system_category()) return errno_text(ec.value());
  std::string s = ec.message();
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

/// Drops what some libraries append to their messages: Boost's " [system:98 at /usr/include/...
/// in function '...']" and similar source locations, which mean nothing to a user.
inline std::string without_source_locations(std::string s) {
  for (const char* marker : {" [system:", " [generic:", " [asio.", " [boost."}) {
    const auto at = s.find(marker);
    if (at != std::string::npos) {
      const auto end = s.find(']', at);
      s.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
    }
  }
  // Anything else that names a header or source file of a library.
  for (const char* marker : {" at /usr/include/", " at /usr/src/", " at /build/"}) {
    const auto at = s.find(marker);
    if (at != std::string::npos) s.erase(at);
  }
  return s;
}


/// The candidate closest to `word`, or empty when none is close enough to be a typo
/// (at most a third of the word's letters wrong, and at most 4). A candidate that starts with
/// the word ("--ju" for "--junit") counts as close.
inline std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (word.size() >= 3 && c.rfind(word, 0) == 0) d = std::min<std::size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t limit = std::min<std::size_t>(4, std::max<std::size_t>(1, word.size() / 3));
  return best_d <= limit ? best : std::string();
}

/// " (did you mean 'x'?)" or nothing.
inline std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const auto c = closest(word, candidates);
  return c.empty() ? std::string() : " (did you mean '" + c + "'?)";
}

}  // namespace rdpfault::cli
