// The NTLM AUTHENTICATE the fake server reads before WinPR does: fields bounded and inside
// the message, NTLMv2 only; the server challenge out of a CHALLENGE message.
#include "rdpfault/pdu/ntlm.hpp"

#include <gtest/gtest.h>

namespace rdpfault::pdu {
namespace {

/// An AUTHENTICATE message with the given payload fields (no Version, no MIC).
Bytes authenticate(const Bytes& lm, const Bytes& nt, const Bytes& domain, const Bytes& user, const Bytes& ws,
                   const Bytes& key, std::uint32_t flags = 0x00000201) {
  Bytes b = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 3, 0, 0, 0};
  std::uint32_t offset = 64;  // 12 + 6 * 8 + 4
  Bytes payload;
  auto field = [&](const Bytes& f) {
    const auto len = static_cast<std::uint16_t>(f.size());
    b.push_back(static_cast<std::uint8_t>(len));
    b.push_back(static_cast<std::uint8_t>(len >> 8));
    b.push_back(static_cast<std::uint8_t>(len));
    b.push_back(static_cast<std::uint8_t>(len >> 8));
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(offset >> (8 * i)));
    offset += static_cast<std::uint32_t>(f.size());
    payload.insert(payload.end(), f.begin(), f.end());
  };
  for (const auto* f : {&lm, &nt, &domain, &user, &ws, &key}) field(*f);
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(flags >> (8 * i)));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes utf16(const std::string& s) {
  Bytes b;
  for (char c : s) b.insert(b.end(), {static_cast<std::uint8_t>(c), 0});
  return b;
}

TEST(NtlmAuthenticate, ReadsTheFieldsItChecks) {
  const Bytes nt(60, 0x11);
  // The decoded fields are views into the message: it must outlive them.
  const auto msg = authenticate(Bytes(24, 0), nt, utf16("CORP"), utf16("alice"), utf16("PC"), Bytes(16, 7));
  const auto m = NtlmAuthenticate::decode(msg);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(utf16le_to_utf8(m->user), "alice");
  EXPECT_EQ(utf16le_to_utf8(m->domain), "CORP");
  EXPECT_EQ(m->nt_response.size(), 60u);
  EXPECT_EQ(m->session_key.size(), 16u);
}

TEST(NtlmAuthenticate, BoundsEveryFieldBeforeWinprSeesIt) {
  struct Case {
    Bytes msg;
    std::string_view field;
  };
  const Bytes nt(60, 0x11);
  auto out_of_bounds = authenticate({}, nt, {}, utf16("alice"), {}, {});
  out_of_bounds[12 + 8 + 4] = 0xFF;  // NtChallengeResponseFields.BufferOffset far past the end
  auto bad_sig = authenticate({}, nt, {}, utf16("alice"), {}, {});
  bad_sig[0] = 'X';
  const Case cases[] = {
      {authenticate({}, nt, {}, Bytes(60000, 'a'), {}, {}), "UserNameFields"},  // the crafted 60 KB user name
      {authenticate({}, nt, Bytes(600, 'd'), utf16("alice"), {}, {}), "DomainNameFields"},
      {out_of_bounds, "NtChallengeResponseFields"},
      {authenticate({}, Bytes(24, 1), {}, utf16("alice"), {}, {}), "NtChallengeResponse"},  // NTLMv1
      {authenticate({}, nt, {}, utf16("alice"), {}, Bytes(5, 1)), "EncryptedRandomSessionKey"},
      {authenticate({}, nt, {}, {}, {}, {}), "UserName"},
      {bad_sig, "Signature"},
      {Bytes{'N', 'T', 'L', 'M'}, "Signature"},
  };
  for (const auto& c : cases) {
    const auto m = NtlmAuthenticate::decode(c.msg);
    ASSERT_FALSE(m) << c.field;
    EXPECT_EQ(m.error().field, c.field) << m.error().message();
    EXPECT_EQ(m.error().pdu, "ntlm authenticate");
  }
}

TEST(NtlmChallenge, ServerChallengeAtOffset24) {
  Bytes c = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0, 0, 0};
  c.resize(24, 0);
  for (std::uint8_t i = 1; i <= 8; ++i) c.push_back(i);
  const auto ch = ntlm_server_challenge(c);
  ASSERT_TRUE(ch) << ch.error().message();
  EXPECT_EQ((*ch)[0], 1);
  EXPECT_EQ((*ch)[7], 8);
  c[8] = 3;
  EXPECT_FALSE(ntlm_server_challenge(c));
}

TEST(Utf16, ToUtf8) {
  EXPECT_EQ(utf16le_to_utf8(Bytes{'a', 0, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE}), "a\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(utf16le_to_utf8(Bytes{0x00, 0xD8}), "\xEF\xBF\xBD");  // an unpaired surrogate
}

}  // namespace
}  // namespace rdpfault::pdu
