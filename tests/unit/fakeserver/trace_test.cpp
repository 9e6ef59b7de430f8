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

}  // namespace
}  // namespace rdpfault::fakeserver
