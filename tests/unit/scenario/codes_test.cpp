// The code tables behind `rdpfault explain`.
#include <gtest/gtest.h>

#include "rdpfault/scenario/codes.hpp"

namespace rdpfault::codes {
namespace {

bool has(const Query& q, Kind k, std::uint32_t v) {
  for (const auto* c : q.matches) {
    if (c->kind == k && c->value == v) return true;
  }
  return false;
}

TEST(Codes, DisconnectWithExtendedCode) {
  for (const char* text : {"0x904/0x7", "0x904 0x7", "0x904,7", " 2308/7 "}) {
    const auto q = parse_query(text);
    SCOPED_TRACE(text);
    EXPECT_TRUE(q.error.empty()) << q.error;
    EXPECT_EQ(q.disconnect, 0x904u);
    EXPECT_EQ(q.extended, 0x7u);
    EXPECT_TRUE(has(q, Kind::mstsc_disconnect, 0x904));
    EXPECT_TRUE(has(q, Kind::mstsc_extended, 0x7));
    EXPECT_TRUE(has(q, Kind::errinfo, 0x7));
  }
}

TEST(Codes, NamesOfEveryKindAreFoundCaseInsensitively) {
  EXPECT_TRUE(has(parse_query("ERRCONNECT_TLS_CONNECT_FAILED"), Kind::freerdp_error, 0x00020008));
  EXPECT_TRUE(has(parse_query("errinfo_server_denied_connection"), Kind::errinfo, 0x7));
  EXPECT_TRUE(has(parse_query("HYBRID_REQUIRED_BY_SERVER"), Kind::neg_failure, 0x5));
  EXPECT_TRUE(has(parse_query("STATUS_LOGON_FAILURE"), Kind::ntstatus, 0xC000006D));
  EXPECT_TRUE(has(parse_query("SSL_ERR_LOGON_FAILURE"), Kind::mstsc_disconnect, 0x807));
  EXPECT_TRUE(has(parse_query("ERR_INVALID_CLIENT"), Kind::license_error, 0x8));
}

TEST(Codes, NumbersByTheirShape) {
  EXPECT_TRUE(has(parse_query("0xC000006D"), Kind::ntstatus, 0xC000006D));
  EXPECT_TRUE(has(parse_query("0x00020008"), Kind::freerdp_error, 0x00020008));
  EXPECT_TRUE(has(parse_query("0x00010007"), Kind::errinfo, 0x7));  // FreeRDP's ERRINFO class
  const auto seven = parse_query("7");  // A bare small number is every kind that has it.
  EXPECT_TRUE(has(seven, Kind::mstsc_extended, 7));
  EXPECT_TRUE(has(seven, Kind::errinfo, 7));
  EXPECT_TRUE(has(seven, Kind::license_error, 7));
  EXPECT_TRUE(has(parse_query("0x101"), Kind::errinfo, 0x101));
}

TEST(Codes, NonsenseIsAnErrorThatSaysWhatIsUnderstood) {
  for (const char* text : {"nonsense", "", "0x904/zz", "0x1FFFFFFFF"}) {
    const auto q = parse_query(text);
    EXPECT_FALSE(q.error.empty()) << text;
  }
}

TEST(Codes, TablesAreConsistent) {
  // Every errorInfo code 0x1-0xC and the licensing range has an entry, names are unique per kind.
  for (std::uint32_t v = 0x1; v <= 0xC; ++v) {
    if (v == 0x8) continue;  // Not defined by FreeRDP 2.x's table.
    EXPECT_NE(find(Kind::errinfo, v), nullptr) << v;
  }
  for (std::uint32_t v = 0x100; v <= 0x10A; ++v) EXPECT_NE(find(Kind::errinfo, v), nullptr) << v;
  for (std::uint32_t v = 1; v <= 6; ++v) EXPECT_NE(find(Kind::neg_failure, v), nullptr) << v;
  for (std::uint32_t v = 0x00020001; v <= 0x0002001B; ++v) EXPECT_NE(find(Kind::freerdp_error, v), nullptr) << v;
  for (const auto& a : all()) {
    EXPECT_FALSE(a.name.empty());
    EXPECT_FALSE(a.meaning.empty()) << a.name;
    for (const auto& b : all()) {
      if (&a != &b && a.kind == b.kind) {
        EXPECT_FALSE(a.value == b.value) << a.name << " / " << b.name;
      }
    }
  }
}

}  // namespace
}  // namespace rdpfault::codes
