#include "nla.hpp"

#include <algorithm>
#include <iterator>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <winpr/ntlm.h>
#include <winpr/sspi.h>
#include <winpr/wlog.h>

#include "rdpfault/pdu/credssp.hpp"
#include "rdpfault/pdu/ntlm.hpp"

namespace rdpfault::fakeserver {
namespace {

SecurityFunctionTableA* g_table = nullptr;
std::once_flag g_init;

constexpr char kClientToServer[] = "CredSSP Client-To-Server Binding Hash";  // 37 chars + NUL = 38 bytes
constexpr char kServerToClient[] = "CredSSP Server-To-Client Binding Hash";

std::vector<std::uint8_t> binding_hash(const char* magic, const std::vector<std::uint8_t>& nonce,
                                       const std::vector<std::uint8_t>& key) {
  std::vector<std::uint8_t> in;
  in.insert(in.end(), magic, magic + std::strlen(magic) + 1);  // The NUL is part of it.
  in.insert(in.end(), nonce.begin(), nonce.end());
  in.insert(in.end(), key.begin(), key.end());
  std::vector<std::uint8_t> out(SHA256_DIGEST_LENGTH);
  SHA256(in.data(), in.size(), out.data());
  return out;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

}  // namespace

// [MS-NLMP 3.3.2] NTLMv2 over the account's password: NTOWFv2 = HMAC-MD5(NT hash,
// UPPER(user) || domain), NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge || blob); true when
// it equals the client's (compared in constant time).
bool ntlm_v2_proof_matches(const std::string& password, const pdu::NtlmAuthenticate& m,
                           const std::array<std::uint8_t, 8>& server_challenge) {
  // MD4 comes from OpenSSL's legacy provider, which WinPR loads when its SSPI is set up;
  // without it NTOWFv1A "succeeds" with a hash of zeros.
  if (!NlaServer::initialise()) return false;
  BYTE nt_hash[16] = {};
  std::string pw = password;
  const bool hashed = NTOWFv1A(pw.data(), static_cast<UINT32>(pw.size()), nt_hash);
  OPENSSL_cleanse(pw.data(), pw.size());
  const bool zero = std::all_of(std::begin(nt_hash), std::end(nt_hash), [](BYTE b) { return b == 0; });
  if (!hashed || zero) return false;
  // NTOWFv2FromHashW upper-cases the user itself and reads the names as UTF-16.
  std::vector<std::uint8_t> user(m.user.begin(), m.user.end()), domain(m.domain.begin(), m.domain.end());
  BYTE v2[16];
  const bool ok = NTOWFv2FromHashW(nt_hash, reinterpret_cast<LPWSTR>(user.data()), static_cast<UINT32>(user.size()),
                                   reinterpret_cast<LPWSTR>(domain.data()), static_cast<UINT32>(domain.size()), v2);
  OPENSSL_cleanse(nt_hash, sizeof nt_hash);
  if (!ok) return false;
  std::vector<std::uint8_t> msg(server_challenge.begin(), server_challenge.end());
  msg.insert(msg.end(), m.nt_response.begin() + 16, m.nt_response.end());
  unsigned char proof[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_md5(), v2, sizeof v2, msg.data(), msg.size(), proof, &len);
  OPENSSL_cleanse(v2, sizeof v2);
  return len == 16 && CRYPTO_memcmp(proof, m.nt_response.data(), 16) == 0;
}

struct NlaServer::Sspi {
  CredHandle cred{};
  CtxtHandle ctx{};
  bool have_cred = false;
  bool have_ctx = false;
  ULONG max_token = 0;
  ULONG trailer = 16;

  ~Sspi() {
    if (have_ctx) g_table->DeleteSecurityContext(&ctx);
    if (have_cred) g_table->FreeCredentialsHandle(&cred);
  }

  /// One AcceptSecurityContext round; `out` receives the token to send.
  SECURITY_STATUS accept(pdu::ByteView in_token, std::vector<std::uint8_t>& out) {
    SecBuffer in_buf{static_cast<ULONG>(in_token.size()), SECBUFFER_TOKEN,
                     const_cast<std::uint8_t*>(in_token.data())};
    SecBufferDesc in_desc{SECBUFFER_VERSION, 1, &in_buf};
    out.assign(max_token, 0);
    SecBuffer out_buf{max_token, SECBUFFER_TOKEN, out.data()};
    SecBufferDesc out_desc{SECBUFFER_VERSION, 1, &out_buf};
    ULONG attrs = 0;
    TimeStamp expiry{};
    const ULONG req = ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_CONNECTION | ASC_REQ_USE_SESSION_KEY |
                      ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_EXTENDED_ERROR;
    const auto st = g_table->AcceptSecurityContext(&cred, have_ctx ? &ctx : nullptr, &in_desc, req,
                                                    SECURITY_NATIVE_DREP, &ctx, &out_desc, &attrs, &expiry);
    have_ctx = true;
    out.resize(out_buf.cbBuffer);
    return st;
  }

  SECURITY_STATUS complete() {
    SecBuffer b{0, SECBUFFER_TOKEN, nullptr};
    SecBufferDesc d{SECBUFFER_VERSION, 1, &b};
    return g_table->CompleteAuthToken(&ctx, &d);
  }

  /// signature(16) || sealed data -> data, with the given sequence number.
  bool decrypt(pdu::ByteView in, ULONG seq, std::vector<std::uint8_t>& plain) {
    if (in.size() < trailer) return false;
    std::vector<std::uint8_t> sig(in.begin(), in.begin() + trailer);
    plain.assign(in.begin() + trailer, in.end());
    SecBuffer bufs[2] = {{trailer, SECBUFFER_TOKEN, sig.data()},
                         {static_cast<ULONG>(plain.size()), SECBUFFER_DATA, plain.data()}};
    SecBufferDesc d{SECBUFFER_VERSION, 2, bufs};
    ULONG qop = 0;
    return g_table->DecryptMessage(&ctx, &d, seq, &qop) == SEC_E_OK;
  }

  bool encrypt(const std::vector<std::uint8_t>& plain, ULONG seq, std::vector<std::uint8_t>& out) {
    std::vector<std::uint8_t> sig(trailer, 0);
    std::vector<std::uint8_t> data = plain;
    SecBuffer bufs[2] = {{trailer, SECBUFFER_TOKEN, sig.data()},
                         {static_cast<ULONG>(data.size()), SECBUFFER_DATA, data.data()}};
    SecBufferDesc d{SECBUFFER_VERSION, 2, bufs};
    if (g_table->EncryptMessage(&ctx, 0, &d, seq) != SEC_E_OK) return false;
    out = sig;
    out.resize(bufs[0].cbBuffer);
    out.insert(out.end(), data.begin(), data.end());
    return true;
  }
};

bool NlaServer::initialise() {
  std::call_once(g_init, [] {
    // WinPR logs NTLM failures (a wrong password is a "MIC verification failed" ERROR) on
    // stderr; the trace already says why a logon failed. WLOG_LEVEL still turns it back on.
    if (std::getenv("WLOG_LEVEL") == nullptr) WLog_SetLogLevel(WLog_GetRoot(), WLOG_OFF);
    g_table = InitSecurityInterfaceExA(0);
  });
  return g_table != nullptr;
}

NlaServer::NlaServer(const std::vector<scenario::Account>& accounts, std::vector<std::uint8_t> public_key,
                     std::uint32_t version)
    : accounts_(accounts), public_key_(std::move(public_key)), version_(version), sspi_(std::make_unique<Sspi>()) {}

NlaServer::~NlaServer() = default;

NlaServer::Step NlaServer::fail(std::uint32_t ntstatus, std::string reason) {
  Step s;
  s.state = State::failed;
  s.ntstatus = ntstatus;
  s.reason = std::move(reason);
  if (ntstatus != 0) {
    pdu::TsRequest r;
    r.version = version_;
    // errorCode exists from version 3 on; FreeRDP reads it only then (a v2 server just closes).
    if (version_ >= 3) r.error_code = ntstatus;
    s.out = r.encode();
  }
  return s;
}

NlaServer::Step NlaServer::step(pdu::ByteView frame) {
  auto req = pdu::TsRequest::decode(frame);
  if (!req) return fail(0, req.error().message());
  ++round_;
  if (round_ == 1) {
    // NTLM NEGOTIATE -> CHALLENGE.
    client_version_ = req->version;
    if (req->client_nonce) nonce_ = *req->client_nonce;
    if (req->nego_tokens.empty()) return fail(0, "first TSRequest carries no negoToken");
    if (!initialise()) return fail(0, "WinPR SSPI is not available");
    SecPkgInfoA* pkg = nullptr;
    if (g_table->QuerySecurityPackageInfoA(const_cast<SEC_CHAR*>("NTLM"), &pkg) != SEC_E_OK || !pkg) {
      return fail(0, "WinPR has no NTLM package");
    }
    sspi_->max_token = pkg->cbMaxToken;
    g_table->FreeContextBuffer(pkg);
    TimeStamp expiry{};
    // One credential handle per connection: WinPR keeps the peer's identity in it.
    if (g_table->AcquireCredentialsHandleA(nullptr, const_cast<SEC_CHAR*>("NTLM"), SECPKG_CRED_INBOUND, nullptr,
                                           nullptr, nullptr, nullptr, &sspi_->cred, &expiry) != SEC_E_OK) {
      return fail(0, "AcquireCredentialsHandle failed");
    }
    sspi_->have_cred = true;
    std::vector<std::uint8_t> challenge;
    const auto st = sspi_->accept(req->nego_tokens.front(), challenge);
    if (st != SEC_I_CONTINUE_NEEDED) return fail(scenario::kStatusLogonFailure, "NTLM NEGOTIATE rejected (" + hex32(static_cast<std::uint32_t>(st)) + ")");
    auto server_challenge = pdu::ntlm_server_challenge(challenge);
    if (!server_challenge) return fail(0, "WinPR's CHALLENGE: " + server_challenge.error().message());
    server_challenge_ = *server_challenge;
    pdu::TsRequest out;
    out.version = version_;
    out.nego_tokens.push_back(std::move(challenge));
    Step s;
    s.event = "negotiate";
    s.out = out.encode();
    return s;
  }
  if (round_ == 2) {
    // NTLM AUTHENTICATE + pubKeyAuth -> our pubKeyAuth, or an errorCode.
    if (req->nego_tokens.empty()) return fail(scenario::kStatusLogonFailure, "second TSRequest carries no negoToken");
    if (req->client_nonce) nonce_ = *req->client_nonce;
    // Checked here before WinPR sees it: WinPR 2.11 frees the AUTHENTICATE fields it read only
    // when the logon succeeds, so a logon that fails (no such account, wrong password, a
    // malformed or oversized message) must fail without it. WinPR then checks again (and the MIC).
    const auto auth = pdu::NtlmAuthenticate::decode(req->nego_tokens.front());
    if (!auth) return fail(scenario::kStatusLogonFailure, auth.error().message());
    user_ = pdu::utf16le_to_utf8(auth->user);
    domain_ = pdu::utf16le_to_utf8(auth->domain);
    const scenario::Account* account = nullptr;
    for (const auto& a : accounts_) {
      if (iequal(a.user, user_) && (a.domain.empty() || iequal(a.domain, domain_))) {
        account = &a;
        break;
      }
    }
    if (!account) return fail(scenario::kStatusLogonFailure, "no account '" + user_ + "' in domain '" + domain_ + "'");
    if (!ntlm_v2_proof_matches(account->password, *auth, server_challenge_)) {
      return fail(scenario::kStatusLogonFailure, "wrong password for '" + user_ + "' (NTProofStr does not match)");
    }
    std::vector<std::uint8_t> unused;
    const auto st = sspi_->accept(req->nego_tokens.front(), unused);
    if (st != SEC_I_COMPLETE_NEEDED && st != SEC_E_OK) {
      return fail(scenario::kStatusLogonFailure, "NTLM AUTHENTICATE rejected (" + hex32(static_cast<std::uint32_t>(st)) + ")");
    }
    SecPkgContext_AuthNtlmHash hash{};
    hash.Version = 1;
    std::string pw = account->password;
    NTOWFv1A(pw.data(), static_cast<UINT32>(pw.size()), hash.NtlmHash);
    OPENSSL_cleanse(pw.data(), pw.size());
    g_table->SetContextAttributesA(&sspi_->ctx, SECPKG_ATTR_AUTH_NTLM_HASH, &hash, sizeof hash);
    OPENSSL_cleanse(hash.NtlmHash, sizeof hash.NtlmHash);
    if (st == SEC_I_COMPLETE_NEEDED) {
      const auto done = sspi_->complete();
      if (done != SEC_E_OK) {
        // Our own proof check passed: only a tampered MIC gets here.
        return fail(scenario::kStatusLogonFailure, "WinPR refused the AUTHENTICATE of '" + user_ + "' (" +
                                                       hex32(static_cast<std::uint32_t>(done)) + ")");
      }
    }
    if (const auto status = scenario::ntstatus_for(account->state); status != 0) {
      return fail(status, "account '" + user_ + "' is " + std::string(scenario::to_string(account->state)));
    }
    SecPkgContext_Sizes sizes{};
    if (g_table->QueryContextAttributesA(&sspi_->ctx, SECPKG_ATTR_SIZES, &sizes) == SEC_E_OK) {
      sspi_->trailer = sizes.cbSecurityTrailer;
    }
    // The public key binding ([MS-CSSP] 3.1.5): the method follows the version the client
    // sees from us; the echo method returns the key with its first byte plus one.
    if (!req->pub_key_auth) return fail(0, "no pubKeyAuth from the client");
    std::vector<std::uint8_t> plain;
    if (!sspi_->decrypt(*req->pub_key_auth, 0, plain)) return fail(0, "pubKeyAuth does not decrypt");
    const bool hash_method = version_ >= 5;
    const auto expected = hash_method ? binding_hash(kClientToServer, nonce_, public_key_) : public_key_;
    // Constant time: the comparison says nothing about how much of it matched.
    if (plain.size() != expected.size() || CRYPTO_memcmp(plain.data(), expected.data(), plain.size()) != 0) {
      return fail(0, "pubKeyAuth does not match the server certificate's key");
    }
    std::vector<std::uint8_t> reply = hash_method ? binding_hash(kServerToClient, nonce_, public_key_) : public_key_;
    if (!hash_method && !reply.empty()) reply[0] = static_cast<std::uint8_t>(reply[0] + 1);
    std::vector<std::uint8_t> sealed;
    if (!sspi_->encrypt(reply, 0, sealed)) return fail(0, "EncryptMessage failed");
    pdu::TsRequest out;
    out.version = version_;
    out.pub_key_auth = std::move(sealed);
    Step s;
    s.event = "authenticate";
    s.out = out.encode();
    return s;
  }
  // authInfo: the delegated credentials.
  if (!req->auth_info) return fail(0, "third TSRequest carries no authInfo");
  std::vector<std::uint8_t> plain;
  if (!sspi_->decrypt(*req->auth_info, 1, plain)) return fail(0, "authInfo does not decrypt");
  auto creds = pdu::TsCredentials::decode(plain);
  OPENSSL_cleanse(plain.data(), plain.size());  // It held the password.
  if (!creds) return fail(0, creds.error().message());
  Step s;
  s.state = State::done;
  s.event = "credentials";
  return s;
}

}  // namespace rdpfault::fakeserver
