// The fake server's own NTLMv2 check (the one that keeps a failing logon away from WinPR),
// against the example of [MS-NLMP] 4.2.4: user "User", domain "Domain", password
// "Password", ServerChallenge 0123456789abcdef, ClientChallenge aa..aa, time 0, and the
// CHALLENGE's target info (NetBIOS domain "Domain", NetBIOS server "Server").
#include "../../../fakeserver/src/nla.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "../../support/ntlm_client.hpp"
#include "rdpfault/pdu/credssp.hpp"

namespace rdpfault::fakeserver {
namespace {

pdu::Bytes utf16(const std::string& s) {
  pdu::Bytes b;
  for (char c : s) b.insert(b.end(), {static_cast<std::uint8_t>(c), 0});
  return b;
}

struct Example {
  pdu::Bytes nt_response;
  pdu::Bytes user = utf16("User");
  pdu::Bytes domain = utf16("Domain");
  std::array<std::uint8_t, 8> server_challenge = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  Example() {
    // NTProofStr from the spec's example, then temp: RespType 1, HiRespType 1, Z(6), Time (0),
    // ClientChallenge, Z(4), the AV pairs (with MsvAvEOL), Z(4).
    nt_response = {0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96, 0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c};
    const pdu::Bytes head = {1, 1, 0, 0, 0, 0, 0, 0};
    nt_response.insert(nt_response.end(), head.begin(), head.end());
    nt_response.insert(nt_response.end(), 8, 0);     // Time
    nt_response.insert(nt_response.end(), 8, 0xaa);  // ClientChallenge
    nt_response.insert(nt_response.end(), 4, 0);
    auto av = [&](std::uint16_t id, const pdu::Bytes& v) {
      nt_response.insert(nt_response.end(), {static_cast<std::uint8_t>(id), 0, static_cast<std::uint8_t>(v.size()), 0});
      nt_response.insert(nt_response.end(), v.begin(), v.end());
    };
    av(2, utf16("Domain"));  // MsvAvNbDomainName
    av(1, utf16("Server"));  // MsvAvNbComputerName
    nt_response.insert(nt_response.end(), 4, 0);  // MsvAvEOL
    nt_response.insert(nt_response.end(), 4, 0);
  }
  pdu::NtlmAuthenticate message() const {
    pdu::NtlmAuthenticate m;
    m.nt_response = nt_response;
    m.user = user;
    m.domain = domain;
    return m;
  }
};

TEST(NtlmV2Proof, MatchesTheSpecsExampleWithTheRightPasswordOnly) {
  const Example e;
  EXPECT_TRUE(ntlm_v2_proof_matches("Password", e.message(), e.server_challenge));
  EXPECT_FALSE(ntlm_v2_proof_matches("password", e.message(), e.server_challenge));
  EXPECT_FALSE(ntlm_v2_proof_matches("", e.message(), e.server_challenge));
}

TEST(NtlmV2Proof, BoundToTheChallengeTheUserAndTheBlob) {
  Example e;
  auto other_challenge = e.server_challenge;
  other_challenge[0] ^= 1;
  EXPECT_FALSE(ntlm_v2_proof_matches("Password", e.message(), other_challenge));
  // The user name is upper-cased by NTOWFv2, the domain is not.
  Example lower;
  lower.user = utf16("user");
  EXPECT_TRUE(ntlm_v2_proof_matches("Password", lower.message(), lower.server_challenge));
  Example domain;
  domain.domain = utf16("DOMAIN");
  EXPECT_FALSE(ntlm_v2_proof_matches("Password", domain.message(), domain.server_challenge));
  Example blob;
  blob.nt_response[16 + 8] ^= 1;  // The timestamp, inside what the proof covers.
  EXPECT_FALSE(ntlm_v2_proof_matches("Password", blob.message(), blob.server_challenge));
}

}  // namespace
}  // namespace rdpfault::fakeserver

// The CredSSP server step by step with WinPR's NTLM client on the other side: the right
// password gets through the AUTHENTICATE round; a wrong one, an unknown user and a crafted
// 60,000-byte user name are refused before WinPR's server reads the AUTHENTICATE (under the
// asan preset, LeakSanitizer checks that nothing is left behind: there is no suppression).
namespace rdpfault::fakeserver {
namespace {

struct Logon {
  std::vector<scenario::Account> accounts = {{"alice", "", "S3cret!", scenario::AccountState::active}};
  std::vector<std::uint8_t> public_key = std::vector<std::uint8_t>(65, 0x04);
  NlaServer server{accounts, public_key, 6};
  NlaServer::Step negotiate(test::NtlmClient& c) {
    pdu::TsRequest r;
    r.version = 6;
    r.nego_tokens.push_back(c.next({}));
    return server.step(r.encode());
  }
  static std::vector<std::uint8_t> challenge(const NlaServer::Step& s) {
    auto r = pdu::TsRequest::decode(s.out);
    return r && !r->nego_tokens.empty() ? r->nego_tokens.front() : std::vector<std::uint8_t>{};
  }
  NlaServer::Step authenticate(const std::vector<std::uint8_t>& token, std::vector<std::uint8_t> pub_key_auth = {}) {
    pdu::TsRequest r;
    r.version = 6;
    r.nego_tokens.push_back(token);
    r.client_nonce = std::vector<std::uint8_t>(32, 0x5A);
    if (!pub_key_auth.empty()) r.pub_key_auth = pub_key_auth;
    return server.step(r.encode());
  }
};

TEST(NlaServer, WrongPasswordUnknownUserAndOversizedNamesAreRefusedBeforeWinpr) {
  for (const auto& [user, password, reason] :
       {std::tuple{"alice", "wrong", "wrong password"}, std::tuple{"mallory", "S3cret!", "no account 'mallory'"}}) {
    test::NtlmClient client(user, "", password);
    ASSERT_TRUE(client.ok());
    Logon l;
    const auto n = l.negotiate(client);
    ASSERT_EQ(n.state, NlaServer::State::more) << n.reason;
    const auto a = l.authenticate(client.next(Logon::challenge(n)));
    EXPECT_EQ(a.state, NlaServer::State::failed);
    EXPECT_EQ(a.ntstatus, scenario::kStatusLogonFailure);
    EXPECT_NE(a.reason.find(reason), std::string::npos) << a.reason;
  }
  // A crafted AUTHENTICATE claiming a 60,000-byte user name.
  test::NtlmClient client("alice", "", "S3cret!");
  Logon l;
  const auto n = l.negotiate(client);
  auto token = client.next(Logon::challenge(n));
  ASSERT_GT(token.size(), 64u);
  const std::uint16_t huge = 60000;
  token[12 + 3 * 8] = static_cast<std::uint8_t>(huge);       // UserNameFields.Len
  token[12 + 3 * 8 + 1] = static_cast<std::uint8_t>(huge >> 8);
  token.resize(token.size() + huge, 'a');
  const auto a = l.authenticate(token);
  EXPECT_EQ(a.state, NlaServer::State::failed);
  EXPECT_NE(a.reason.find("UserNameFields"), std::string::npos) << a.reason;
}

TEST(NlaServer, TheRightPasswordPassesTheAuthenticateRound) {
  test::NtlmClient client("alice", "", "S3cret!");
  Logon l;
  const auto n = l.negotiate(client);
  ASSERT_EQ(n.state, NlaServer::State::more) << n.reason;
  const auto token = client.next(Logon::challenge(n));
  // Version 6: the client binds SHA-256("CredSSP Client-To-Server Binding Hash\0" || nonce || key).
  std::vector<std::uint8_t> in;
  const char magic[] = "CredSSP Client-To-Server Binding Hash";
  in.insert(in.end(), magic, magic + sizeof magic);
  in.insert(in.end(), 32, 0x5A);
  in.insert(in.end(), l.public_key.begin(), l.public_key.end());
  std::vector<std::uint8_t> digest(32);
  SHA256(in.data(), in.size(), digest.data());
  const auto a = l.authenticate(token, client.seal(digest, 0));
  EXPECT_EQ(a.state, NlaServer::State::more) << a.reason;
  EXPECT_EQ(a.event, "authenticate");
  EXPECT_EQ(l.server.user(), "alice");
}

}  // namespace
}  // namespace rdpfault::fakeserver
