#pragma once
// Test helpers: hex literals with comments, and hex-printing comparison (IronRDP's assert_eq_hex).
#include <cctype>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "rdpfault/pdu/cursor.hpp"

namespace rdpfault::test {

/// "03 00 | 00 13 # tpkt" -> bytes. Whitespace and '|' separate; '#' starts a comment to end of line;
/// "..." inside quotes is taken as ASCII.
inline pdu::Bytes hex(std::string_view s) {
  pdu::Bytes out;
  int hi = -1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) out.push_back(static_cast<std::uint8_t>(s[i]));
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) continue;
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10);
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

inline ::testing::AssertionResult bytes_equal(const pdu::Bytes& actual, const pdu::Bytes& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  return ::testing::AssertionFailure() << "first difference at byte " << i << "\n  actual:   "
                                       << pdu::to_hex(actual, 400) << "\n  expected: " << pdu::to_hex(expected, 400);
}

}  // namespace rdpfault::test
