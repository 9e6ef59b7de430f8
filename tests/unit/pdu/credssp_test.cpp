// CredSSP TSRequest / TSCredentials codec ([MS-CSSP] 2.2.1) against byte vectors: the
// TSRequests FreeRDP 2.11 accepted, listed in docs/connection-sequence.md.
#include <gtest/gtest.h>

#include "hex.hpp"
#include "rdpfault/pdu/credssp.hpp"

namespace rdpfault::pdu {
namespace {

using test::hex;

TEST(TsRequest, ErrorCodeIsFourBytesTwosComplement) {
  // "error, v6" from docs/connection-sequence.md: errorCode STATUS_LOGON_FAILURE.
  const auto bytes = hex("30 0d | a0 03 02 01 06 | a4 06 02 04 c0 00 00 6d");
  TsRequest r;
  r.version = 6;
  r.error_code = 0xC000006D;
  EXPECT_EQ(r.encode(), bytes);
  auto back = TsRequest::decode(bytes);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->version, 6u);
  EXPECT_EQ(back->error_code, 0xC000006Du);
  EXPECT_TRUE(back->nego_tokens.empty());
}

TEST(TsRequest, NegoTokenLayout) {
  // "nego, v6, token T": 30 L a0 03 02 01 06 a1 L 30 L 30 L a0 L 04 L <T>
  const Bytes token = hex("\"NTLMSSP\" 00 02 00 00 00 00 00 00");  // 15 bytes
  ASSERT_EQ(token.size(), 15u);
  const auto bytes = hex("30 1e | a0 03 02 01 06 | a1 17 30 15 30 13 a0 11 04 0f \"NTLMSSP\" 00 02 00 00 00 00 00 00");
  TsRequest r;
  r.version = 6;
  r.nego_tokens.push_back(token);
  EXPECT_EQ(r.encode(), bytes);
  auto back = TsRequest::decode(bytes);
  ASSERT_TRUE(back) << back.error().message();
  ASSERT_EQ(back->nego_tokens.size(), 1u);
  EXPECT_EQ(back->nego_tokens[0], token);
}

TEST(TsRequest, PubKeyAuthLayout) {
  // "pubKeyAuth, v6": 30 39 a0 03 02 01 06 a3 32 04 30 <16-byte signature><32-byte sealed hash>
  Bytes sealed(48);
  for (std::size_t i = 0; i < sealed.size(); ++i) sealed[i] = static_cast<std::uint8_t>(i);
  TsRequest r;
  r.version = 6;
  r.pub_key_auth = sealed;
  const auto out = r.encode();
  ASSERT_EQ(out.size(), 0x3Bu);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 11), hex("30 39 a0 03 02 01 06 a3 32 04 30"));
  EXPECT_EQ(Bytes(out.begin() + 11, out.end()), sealed);
}

TEST(TsRequest, ClientMessagesRoundTripWithEveryField) {
  TsRequest r;
  r.version = 6;
  r.nego_tokens.push_back(Bytes(300, 0xAB));  // Long form lengths (0x82).
  r.auth_info = Bytes(20, 1);
  r.pub_key_auth = Bytes(48, 2);
  r.client_nonce = Bytes(32, 3);
  auto back = TsRequest::decode(r.encode());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, r);
}

TEST(TsRequest, VersionsTwoToSixAndLargeValuesStayWithinFourBytes) {
  for (std::uint32_t v : {2u, 3u, 4u, 5u, 6u, 0x80u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    TsRequest r;
    r.version = v;
    auto back = TsRequest::decode(r.encode());
    ASSERT_TRUE(back) << v << ": " << back.error().message();
    EXPECT_EQ(back->version, v);
  }
  TsRequest r;
  r.version = 0x80;
  EXPECT_EQ(r.encode(), hex("30 06 a0 04 02 02 00 80"));  // Positive: a leading zero.
}

TEST(TsRequest, MalformedInputNamesTheField) {
  struct Case {
    const char* bytes;
    const char* field;
  } cases[] = {
      {"31 03 a0 01 00", "TSRequest"},                            // not a SEQUENCE
      {"30 05 a1 03 02 01 06", "version"},                        // no [0] version
      {"30 04 a0 02 02 01", "version"},                           // truncated INTEGER
      {"30 08 a0 03 02 01 06 a5 01 04", "clientNonce"},           // truncated nonce
      {"30 0a a0 03 02 01 06 a5 03 04 01 00", "clientNonce"},     // nonce of 1 byte
      {"30 07 a0 03 02 01 06 ff 00", "credssp tsrequest"},        // trailing bytes
      {"30 09 a0 07 02 05 00 c0 00 00 6d", "version"},            // INTEGER of 5 bytes
  };
  for (const auto& c : cases) {
    auto r = TsRequest::decode(hex(c.bytes));
    ASSERT_FALSE(r) << c.bytes;
    const auto msg = r.error().message();
    EXPECT_NE(msg.find("credssp tsrequest"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.field), std::string::npos) << c.bytes << " -> " << msg;
  }
}

TEST(TsCredentials, ReferenceVectorDecodesWithoutKeepingThePassword) {
  // user "test", password "secret", empty domain.
  const auto bytes = hex(
      "302ba003020101a12404223020a0020400a10a04087400650073007400a20e040c730065006300720065007400");
  auto c = TsCredentials::decode(bytes);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->cred_type, 1u);
  EXPECT_EQ(c->domain, "");
  EXPECT_EQ(c->user, "test");
  EXPECT_TRUE(c->password_present);
  EXPECT_EQ(encode_ts_credentials("", "test", "secret"), bytes);
}

TEST(TsCredentials, OtherCredentialTypesAreUnsupported) {
  // credType 2 (smart card) with an empty payload.
  auto c = TsCredentials::decode(hex("30 09 a0 03 02 01 02 a1 02 04 00"));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("credType 2"), std::string::npos) << c.error().message();
}

TEST(DerFrameSize, CompleteIncompleteAndWrong) {
  EXPECT_EQ(*der_frame_size(hex("30")), 0u);
  EXPECT_EQ(*der_frame_size(hex("30 0d a0 03")), 15u);
  EXPECT_EQ(*der_frame_size(hex("30 82 01")), 0u);
  EXPECT_EQ(*der_frame_size(hex("30 82 01 00")), 4u + 256u);
  EXPECT_EQ(*der_frame_size(hex("30 81 80")), 3u + 128u);
  EXPECT_FALSE(der_frame_size(hex("03 00 00 13")));  // A TPKT where CredSSP was expected.
  EXPECT_FALSE(der_frame_size(hex("30 84 00 00 00 10")));
}

}  // namespace
}  // namespace rdpfault::pdu
