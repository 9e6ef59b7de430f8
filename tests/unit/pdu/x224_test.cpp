#include "rdpfault/pdu/x224.hpp"

#include <gtest/gtest.h>

#include "hex.hpp"

namespace rdpfault::pdu {
namespace {

using test::bytes_equal;
using test::hex;

// [MS-RDPBCGR 4.1.1] Client X.224 Connection Request PDU.
const Bytes kMsExampleCr = hex(R"(
  03 00 00 2c                          # TPKT, length 44
  27 e0 00 00 00 00 00                 # LI 39, CR, dst-ref, src-ref, class 0
  "Cookie: mstshash=eltons" 0d 0a      # cookie
  01 00 08 00 00 00 00 00              # RDP_NEG_REQ: requestedProtocols = PROTOCOL_RDP
)");

// What FreeRDP 2.11 sends first with NLA, TLS and RDP enabled (reference doc, observed).
const Bytes kFreerdpCr = hex(R"(
  03 00 00 2a 25 e0 00 00 00 00 00 "Cookie: mstshash=test" 0d 0a
  01 00 08 00 03 00 00 00              # requestedProtocols = SSL | HYBRID
)");

TEST(ConnectionRequest, DecodesSpecExample) {
  auto cr = ConnectionRequest::decode(kMsExampleCr);
  ASSERT_TRUE(cr) << cr.error().message();
  EXPECT_EQ(cr->cookie, "eltons");
  EXPECT_TRUE(cr->has_neg_req);
  EXPECT_EQ(cr->requested_protocols, Protocols::rdp);
  EXPECT_FALSE(cr->has_correlation_info);
}

TEST(ConnectionRequest, DecodesFreerdpRequestAndRoundTrips) {
  auto cr = ConnectionRequest::decode(kFreerdpCr);
  ASSERT_TRUE(cr) << cr.error().message();
  EXPECT_EQ(cr->cookie, "test");
  EXPECT_EQ(cr->requested_protocols, Protocols::ssl | Protocols::hybrid);
  EXPECT_TRUE(bytes_equal(cr->encode(), kFreerdpCr));
  EXPECT_EQ(protocols_to_string(cr->requested_protocols), "ssl|hybrid");
}

TEST(ConnectionRequest, LegacyRequestHasNoNegReq) {
  auto cr = ConnectionRequest::decode(hex(R"(03 00 00 22 1d e0 00 00 00 00 00 "Cookie: mstshash=test" 0d 0a)"));
  ASSERT_TRUE(cr) << cr.error().message();
  EXPECT_FALSE(cr->has_neg_req);
  EXPECT_EQ(cr->cookie, "test");
}

TEST(ConnectionRequest, RoutingTokenAndCorrelationInfo) {
  ConnectionRequest in;
  in.routing_token = "Cookie: msts=3640205228.15629.0000";
  in.has_neg_req = true;
  in.requested_protocols = Protocols::ssl;
  in.has_correlation_info = true;
  auto out = ConnectionRequest::decode(in.encode());
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out, in);
}

struct BadCr {
  const char* name;
  const char* bytes;
  PduErrc code;
  std::string_view field;
};

class ConnectionRequestRejects : public ::testing::TestWithParam<BadCr> {};

TEST_P(ConnectionRequestRejects, NamesTheField) {
  auto r = ConnectionRequest::decode(hex(GetParam().bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, GetParam().code) << r.error().message();
  EXPECT_EQ(r.error().field, GetParam().field) << r.error().message();
  EXPECT_EQ(r.error().pdu, ConnectionRequest::kName);
  EXPECT_NE(r.error().message().find(std::string(GetParam().field)), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ConnectionRequestRejects,
    ::testing::Values(
        BadCr{"tpkt_version", "02 00 00 0b 06 e0 00 00 00 00 00", PduErrc::invalid_field, "version"},
        BadCr{"tpkt_length_short", "03 00 00 05 06", PduErrc::invalid_field, "length"},
        BadCr{"tpkt_length_mismatch", "03 00 00 0c 06 e0 00 00 00 00 00", PduErrc::invalid_field, "length"},
        BadCr{"li_mismatch", "03 00 00 0b 05 e0 00 00 00 00 00", PduErrc::invalid_field, "length indicator"},
        BadCr{"not_a_cr", "03 00 00 0b 06 d0 00 00 00 00 00", PduErrc::invalid_field, "code"},
        BadCr{"neg_req_length", "03 00 00 13 0e e0 00 00 00 00 00 01 00 09 00 01 00 00 00", PduErrc::invalid_field,
              "rdpNegReq.length"},
        BadCr{"unterminated_cookie", R"(03 00 00 1e 19 e0 00 00 00 00 00 "Cookie: mstshash=ab")", PduErrc::invalid_field,
              "cookie"},
        BadCr{"garbage_after", "03 00 00 0e 09 e0 00 00 00 00 00 ff ff ff", PduErrc::invalid_field, "variable part"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(ConnectionConfirm, EncodesResponse) {
  ConnectionConfirm cc;
  cc.flags = 0x01;
  cc.selected_protocol = Protocols::ssl;
  // [MS-RDPBCGR 2.2.1.2.1] with EXTENDED_CLIENT_DATA_SUPPORTED.
  EXPECT_TRUE(bytes_equal(cc.encode(), hex("03 00 00 13 0e d0 00 00 12 34 00 02 01 08 00 01 00 00 00")));
  auto back = ConnectionConfirm::decode(cc.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, cc);
}

TEST(ConnectionConfirm, EncodesFailureAndLegacy) {
  ConnectionConfirm f;
  f.kind = ConnectionConfirm::Kind::failure;
  f.failure.value = FailureCode::hybrid_required_by_server;
  EXPECT_TRUE(bytes_equal(f.encode(), hex("03 00 00 13 0e d0 00 00 12 34 00 03 00 08 00 05 00 00 00")));
  EXPECT_EQ(f.failure.name(), "HYBRID_REQUIRED_BY_SERVER");
  ConnectionConfirm legacy;
  legacy.kind = ConnectionConfirm::Kind::legacy;
  EXPECT_TRUE(bytes_equal(legacy.encode(), hex("03 00 00 0b 06 d0 00 00 12 34 00")));
  // Undefined failure codes stay representable.
  EXPECT_EQ(FailureCode{42}.name(), "");
}

TEST(FrameSize, TpktFastPathAndGarbage) {
  EXPECT_EQ(*frame_size(hex("03 00")), 0u);
  EXPECT_EQ(*frame_size(hex("03 00 01 33")), 0x133u);
  EXPECT_EQ(*frame_size(hex("44 05 aa")), 5u);         // fast-path, one-byte length
  EXPECT_EQ(*frame_size(hex("44 81 20")), 0x120u);     // fast-path, two-byte length
  auto bad = frame_size(hex("47 45 54 20"));           // "GET ": HTTP, not RDP
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, PduErrc::unexpected_type);
  auto tiny = frame_size(hex("03 00 00 03"));
  ASSERT_FALSE(tiny);
  EXPECT_EQ(tiny.error().field, "length");
}

TEST(X224, DisconnectRequestFrame) {
  EXPECT_TRUE(bytes_equal(encode_x224_disconnect_request(), hex("03 00 00 0b 06 80 00 00 12 34 00")));
}

}  // namespace
}  // namespace rdpfault::pdu
