#include "rdpfault/fakeserver/trace.hpp"

#include <gtest/gtest.h>

namespace rdpfault::fakeserver {
namespace {

TEST(Trace, JsonLineIsTheSameObjectAsToJson) {
  TraceEvent e;
  e.conn = 3;
  e.ts_us = 1764000000000000;
  e.t_us = 1234;
  e.event = "pdu_in";
  e.data = {{"pdu", "x224 \"connection\" request"}, {"size", 42}};
  EXPECT_EQ(nlohmann::json::parse(e.to_json_line()), e.to_json());
  e.data = nlohmann::json::object();
  EXPECT_EQ(nlohmann::json::parse(e.to_json_line()), e.to_json());
  EXPECT_EQ(e.to_json_line().find('\n'), std::string::npos);
}

TEST(Trace, FormatEventForHumans) {
  TraceEvent e;
  e.conn = 7;
  e.t_us = 12345;
  e.event = "closed";
  e.data = {{"by", "client"}};
  EXPECT_EQ(format_event(e), "+   12.345ms #7 closed by=client");
}

// The text trace prints what a client sent (the X.224 cookie, user names): a line feed in it
// must not forge a trace line and an escape sequence must never reach the terminal.
TEST(Trace, FormatEventEscapesWhatAClientControls) {
  TraceEvent e;
  e.conn = 1;
  e.t_us = 1000;
  e.event = "x224_request";
  e.data = {{"cookie", "Cookie: mstshash=eve\r\n+    0.001ms #2 logon user=admin\x1b[2J\x1b]0;owned\x07"},
            {"user", std::string("a\\b\tc\x7f\xc2\x9b" "31m\xe2\x80\xae") + "gpj.exe"},
            {"bytes", std::string("\xff\xfe", 2)},
            {"name", "Jos\xc3\xa9 \xe5\xbc\xa0"},
            {"list", nlohmann::json::array({"x\ny", std::string("\xc2\x85")})}};
  const auto line = format_event(e);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_FALSE(u < 0x20 || u == 0x7f) << "control byte " << int(u) << " in " << line;
  }
  EXPECT_NE(line.find("cookie=Cookie: mstshash=eve\\r\\n+    0.001ms #2 logon user=admin\\x1b[2J\\x1b]0;owned\\x07"),
            std::string::npos)
      << line;
  // A backslash is doubled (so "\\n" in a value cannot pass for an escaped line feed), C1
  // controls (U+009B is CSI) and bidi overrides are escaped, invalid UTF-8 byte by byte.
  EXPECT_NE(line.find("user=a\\\\b\\tc\\x7f\\u{009b}31m\\u{202e}gpj.exe"), std::string::npos) << line;
  EXPECT_NE(line.find("bytes=\\xff\\xfe"), std::string::npos) << line;
  // Printable UTF-8 stays readable.
  EXPECT_NE(line.find("name=Jos\xc3\xa9 \xe5\xbc\xa0"), std::string::npos) << line;
  EXPECT_NE(line.find("list=[\"x\\ny\",\"\\u{0085}\"]"), std::string::npos) << line;
  // Keys and the event name are escaped the same way.
  TraceEvent k;
  k.event = "ev\nil";
  k.data = {{"k\x1b", "v"}};
  const auto kl = format_event(k);
  EXPECT_NE(kl.find("ev\\nil k\\x1b=v"), std::string::npos) << kl;
}

}  // namespace
}  // namespace rdpfault::fakeserver
