#pragma once
/// The one edit distance behind every "did you mean": scenario keys and names, fault kinds
/// and keys, commands and flags.
#include <algorithm>
#include <string_view>
#include <vector>

namespace rdpfault {

/// Edits (insert, delete, replace, or swap two neighbours) from `a` to `b` (optimal string
/// alignment): "sevre" is one from "serve", "latncy" one from "latency".
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows: the one before the previous (for swaps), the previous, the current.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace rdpfault
