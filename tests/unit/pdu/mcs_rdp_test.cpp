#include <gtest/gtest.h>

#include "hex.hpp"
#include "rdpfault/pdu/mcs.hpp"
#include "rdpfault/pdu/rdp.hpp"
#include "rdpfault/pdu/x224.hpp"

namespace rdpfault::pdu {
namespace {

using test::bytes_equal;
using test::hex;

TEST(McsConnectResponse, MatchesTheVerifiedLayout) {
  McsConnectResponse r;
  r.client_requested_protocols = 3;
  auto out = r.encode();
  // Reference layout accepted by FreeRDP 2.11 and rdesktop 1.9, 0 channels, requestedProtocols 3.
  // Byte 50 is connectPDU's PER length, which both clients ignore: we write the true length.
  auto expected = hex(R"(
    03 00 00 68 02 f0 80 7f 66 5e
    0a 01 00 02 01 00                                   # result, calledConnectId
    30 1a 02 01 22 02 01 03 02 01 00 02 01 01 02 01 00 02 01 01 02 03 00 ff f8 02 01 02
    04 3a 00 05 00 14 7c 00 01 32                       # userData: T.124 OID, connectPDU length
    14 76 0a 01 01 00 01 c0 00 4d 63 44 6e 24           # CCrsp ... "McDn", data length 36
    01 0c 10 00 04 00 08 00 03 00 00 00 00 00 00 00     # SC_CORE
    02 0c 0c 00 00 00 00 00 00 00 00 00                 # SC_SECURITY: none
    03 0c 08 00 eb 03 00 00                             # SC_NET: io channel 1003, no channels
  )");
  EXPECT_TRUE(bytes_equal(out, expected));
}

TEST(McsConnectResponse, OddChannelCountIsPadded) {
  McsConnectResponse r;
  r.channel_ids = {1004, 1005, 1006};
  auto out = r.encode();
  auto net = hex("03 0c 10 00 eb 03 03 00 ec 03 ed 03 ee 03 00 00");
  EXPECT_NE(std::search(out.begin(), out.end(), net.begin(), net.end()), out.end());
}

TEST(Mcs, DomainPdusMatchSpecExamples) {
  // [MS-RDPBCGR 4.1.7] Attach User Confirm: user 1007.
  EXPECT_TRUE(bytes_equal(AttachUserConfirm{}.encode(), hex("03 00 00 0b 02 f0 80 2e 00 00 06")));
  // [MS-RDPBCGR 4.1.9] Channel Join Confirm for the I/O channel.
  ChannelJoinConfirm cjc{0, 1007, 1003, 1003};
  EXPECT_TRUE(bytes_equal(cjc.encode(), hex("03 00 00 0f 02 f0 80 3e 00 00 06 03 eb 03 eb")));
  // Disconnect Provider Ultimatum, rn-user-requested.
  EXPECT_TRUE(bytes_equal(encode_disconnect_provider_ultimatum(3), hex("03 00 00 09 02 f0 80 21 80")));
  EXPECT_TRUE(bytes_equal(encode_disconnect_provider_ultimatum(1), hex("03 00 00 09 02 f0 80 20 80")));
}

TEST(Mcs, ChannelJoinRequestRoundTrip) {
  ChannelJoinRequest in{1007, 1004};
  auto f = in.encode();
  EXPECT_TRUE(bytes_equal(f, hex("03 00 00 0c 02 f0 80 38 00 06 03 ec")));
  auto out = ChannelJoinRequest::decode(f);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->user_id, 1007);
  EXPECT_EQ(out->channel_id, 1004);
  EXPECT_EQ(*peek_domain_pdu(f), DomainPdu::channel_join_request);
}

TEST(Mcs, ErectDomainAcceptsRdesktopsNonPerBody) {
  EXPECT_TRUE(ErectDomainRequest::decode(hex("03 00 00 0c 02 f0 80 04 01 00 01 00")));  // FreeRDP
  EXPECT_TRUE(ErectDomainRequest::decode(hex("03 00 00 0c 02 f0 80 04 00 01 00 01")));  // rdesktop
  EXPECT_TRUE(AttachUserRequest::decode(hex("03 00 00 08 02 f0 80 28")));
  auto wrong = AttachUserRequest::decode(hex("03 00 00 08 02 f0 80 04"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, PduErrc::unexpected_type);
  EXPECT_EQ(wrong.error().field, "choice");
}

TEST(Mcs, SendDataRequestLengthMustFit) {
  auto ok = SendDataRequest::decode(hex("03 00 00 10 02 f0 80 64 00 06 03 eb 70 02 aa bb"));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->initiator, 1007);
  EXPECT_EQ(ok->channel_id, 1003);
  EXPECT_EQ(ok->data.size(), 2u);
  auto bad = SendDataRequest::decode(hex("03 00 00 10 02 f0 80 64 00 06 03 eb 70 05 aa bb"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "userData length");
  EXPECT_EQ(bad.error().pdu, SendDataRequest::kName);
}

TEST(Mcs, ConnectInitialRejectsTruncatedUserData) {
  auto bad = McsConnectInitial::decode(hex("03 00 00 0d 02 f0 80 7f 65 03 04 01 01"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().pdu, McsConnectInitial::kName);
  EXPECT_FALSE(bad.error().field.empty()) << bad.error().message();
  auto wrong_tag = McsConnectInitial::decode(hex("03 00 00 0a 02 f0 80 7f 66 00"));
  ASSERT_FALSE(wrong_tag);
  EXPECT_EQ(wrong_tag.error().code, PduErrc::unexpected_type);
}

TEST(Ber, LengthForms) {
  Bytes b;
  WriteCursor w(b);
  ber::write_length(w, 0x7f);
  ber::write_length(w, 0x80);
  ber::write_length(w, 0x1234);
  EXPECT_TRUE(bytes_equal(b, hex("7f 81 80 82 12 34")));
  ReadCursor c(b, "test");
  EXPECT_EQ(ber::read_length(c, "a"), 0x7fu);
  EXPECT_EQ(ber::read_length(c, "b"), 0x80u);
  EXPECT_EQ(ber::read_length(c, "c"), 0x1234u);
  const auto four_byte_form = hex("83 01 02 03");
  ReadCursor bad(four_byte_form, "test");
  ber::read_length(bad, "len");
  ASSERT_TRUE(bad.failed());
  EXPECT_EQ(bad.error()->field, "len");
}

// Server-to-client slow-path PDUs: the exact bytes FreeRDP 2.11 and rdesktop 1.9 accepted.
Bytes sdin(const Bytes& payload) { return encode_send_data_indication(1002, 1003, payload); }

TEST(Rdp, LicenseValidClient) {
  // [MS-RDPBCGR 4.1.11] after decryption.
  EXPECT_TRUE(bytes_equal(sdin(LicenseErrorMessage{}.encode()), hex(R"(
    03 00 00 23 02 f0 80 68 00 01 03 eb 70 80 14
    80 00 00 00                    # SEC_LICENSE_PKT
    ff 03 10 00                    # ERROR_ALERT, version 3, 16 bytes
    07 00 00 00 02 00 00 00        # STATUS_VALID_CLIENT, ST_NO_TRANSITION
    04 00 00 00                    # BB_ERROR_BLOB, empty
  )")));
}

TEST(Rdp, FinalizationPdus) {
  const std::uint32_t share = 0x000103EA;
  EXPECT_TRUE(bytes_equal(sdin(encode_data_pdu(PduType2::synchronize, synchronize_body(1007), share, 1002)), hex(R"(
    03 00 00 25 02 f0 80 68 00 01 03 eb 70 80 16 | 16 00 17 00 ea 03 | ea 03 01 00 00 01 16 00 1f 00 00 00 | 01 00 ef 03)")));
  EXPECT_TRUE(bytes_equal(sdin(encode_data_pdu(PduType2::control, control_body(4, 0, 0), share, 1002)), hex(R"(
    03 00 00 29 02 f0 80 68 00 01 03 eb 70 80 1a | 1a 00 17 00 ea 03 | ea 03 01 00 00 01 1a 00 14 00 00 00 | 04 00 00 00 00 00 00 00)")));
  EXPECT_TRUE(bytes_equal(sdin(encode_data_pdu(PduType2::control, control_body(2, 1007, 1002), share, 1002)), hex(R"(
    03 00 00 29 02 f0 80 68 00 01 03 eb 70 80 1a | 1a 00 17 00 ea 03 | ea 03 01 00 00 01 1a 00 14 00 00 00 | 02 00 ef 03 ea 03 00 00)")));
  EXPECT_TRUE(bytes_equal(sdin(encode_data_pdu(PduType2::font_map, font_map_body(), share, 1002)), hex(R"(
    03 00 00 29 02 f0 80 68 00 01 03 eb 70 80 1a | 1a 00 17 00 ea 03 | ea 03 01 00 00 01 1a 00 28 00 00 00 | 00 00 00 00 03 00 04 00)")));
  // [MS-RDPBCGR 2.2.5.1] Set Error Info, ERRINFO_SERVER_DENIED_CONNECTION.
  EXPECT_TRUE(bytes_equal(sdin(encode_data_pdu(PduType2::set_error_info, set_error_info_body(7), share, 1002)), hex(R"(
    03 00 00 25 02 f0 80 68 00 01 03 eb 70 80 16 | 16 00 17 00 ea 03 | ea 03 01 00 00 01 16 00 2f 00 00 00 | 07 00 00 00)")));
}

TEST(Rdp, DemandActiveLayout) {
  auto out = sdin(DemandActive{}.encode());
  ASSERT_EQ(out.size(), 0x133u);
  auto head = hex(R"(
    03 00 01 33 02 f0 80 68 00 01 03 eb 70 81 24 | 24 01 11 00 ea 03
    ea 03 01 00 04 00 0e 01 "RDP" 00 08 00 00 00       # shareId, lengths, "RDP\0", 8 capability sets
    01 00 18 00 01 00 03 00 00 02 00 00 00 00 05 04 00 00 00 00 00 00 01 01   # General
    02 00 1c 00 10 00 01 00 01 00 01 00 00 04 00 03 00 00 01 00 01 00 00 00 01 00 00 00  # Bitmap
    03 00 58 00                                         # Order header
  )");
  EXPECT_TRUE(bytes_equal(Bytes(out.begin(), out.begin() + static_cast<long>(head.size())), head));
  EXPECT_TRUE(bytes_equal(Bytes(out.end() - 4, out.end()), hex("00 00 00 00")));  // sessionId
}

TEST(Rdp, ShareControlPdusSplitAndValidate) {
  const std::uint32_t share = 0x000103EA;
  auto a = encode_data_pdu(PduType2::synchronize, synchronize_body(1002), share, 1007);
  auto b = encode_data_pdu(PduType2::font_list, hex("00 00 00 00 03 00 32 00"), share, 1007);
  Bytes both = a;
  both.insert(both.end(), b.begin(), b.end());
  auto pdus = decode_share_control_pdus(both);
  ASSERT_TRUE(pdus) << pdus.error().message();
  ASSERT_EQ(pdus->size(), 2u);
  EXPECT_EQ((*pdus)[0].pdu_type2, PduType2::synchronize);
  EXPECT_EQ((*pdus)[1].pdu_type2, PduType2::font_list);
  EXPECT_EQ((*pdus)[1].body.size(), 8u);
  both[0] = 0xff;  // totalLength beyond the payload
  auto bad = decode_share_control_pdus(both);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "totalLength");
}

TEST(Rdp, ClientInfoKeepsNoPassword) {
  Bytes p;
  WriteCursor w(p);
  w.u16le(SecFlags::info_pkt);
  w.u16le(0);
  w.u32le(0);           // CodePage
  w.u32le(0x00000010);  // INFO_UNICODE
  auto utf16 = [&](std::string_view s) {
    for (char ch : s) w.u16le(static_cast<std::uint8_t>(ch));
    w.u16le(0);
  };
  w.u16le(2 * 4);  // cbDomain "CORP"
  w.u16le(2 * 5);  // cbUserName "alice"
  w.u16le(2 * 6);  // cbPassword "secret"
  w.u16le(0);
  w.u16le(0);
  utf16("CORP");
  utf16("alice");
  utf16("secret");
  utf16("");
  utf16("");
  auto info = ClientInfo::decode(p);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->domain, "CORP");
  EXPECT_EQ(info->user_name, "alice");
  EXPECT_TRUE(info->password_present);
  // Truncated inside the password: the error names the field, not its content.
  auto cut = ClientInfo::decode(ByteView(p).first(p.size() - 10));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().pdu, ClientInfo::kName);
  EXPECT_EQ(cut.error().message().find("secret"), std::string::npos);
  // Encrypted Client Info (Standard RDP Security) is reported as unsupported.
  p[0] |= SecFlags::encrypt;
  auto enc = ClientInfo::decode(p);
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().code, PduErrc::unsupported);
}

TEST(Rdp, BitmapUpdateIsBottomUpAndPadded) {
  BitmapRect r;
  r.left = 10;
  r.top = 20;
  r.width = 3;  // 6 bytes a row, padded to 8
  r.height = 2;
  r.pixels = {1, 2, 3, 4, 5, 6};
  auto b = bitmap_update_body({r});
  auto expected = hex(R"(
    01 00 01 00                    # UPDATETYPE_BITMAP, one rectangle
    0a 00 14 00 0c 00 15 00        # left 10, top 20, right 12, bottom 21 (inclusive)
    03 00 02 00 10 00 00 00 10 00  # 3x2, 16 bpp, uncompressed, 16 bytes
    04 00 05 00 06 00 00 00        # bottom row first
    01 00 02 00 03 00 00 00
  )");
  EXPECT_TRUE(bytes_equal(b, expected));
}

}  // namespace
}  // namespace rdpfault::pdu

namespace rdpfault::pdu {
namespace {

// [MS-RDPBCGR 2.2.1.3.4]: 31 static channels in all. A second CS_NET block must not add
// another 31 (33 blocks once gave a client 1,023 channels).
TEST(McsConnectInitial, OneCsNetBlockOf31ChannelsAtMost) {
  McsConnectInitial ci;
  ClientCoreData core;
  core.client_name = "hostile";
  ci.client.core = core;
  ci.client.has_net = true;
  for (int i = 0; i < 31; ++i) ci.client.channels.push_back({"ch" + std::to_string(i), 0x80800000});
  auto ok = McsConnectInitial::decode(ci.encode());
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->client.channels.size(), 31u);
  // The same 31 again in a second block.
  WriteCursor w(ci.extra_blocks);
  w.u16le(0xC003);
  w.u16le(static_cast<std::uint16_t>(8 + 12 * 31));
  w.u32le(31);
  for (int i = 0; i < 31; ++i) {
    w.zeros(8);
    w.u32le(0x80800000);
  }
  auto twice = McsConnectInitial::decode(ci.encode());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().field, "CS_NET") << twice.error().message();
}

}  // namespace
}  // namespace rdpfault::pdu
