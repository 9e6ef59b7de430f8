#pragma once
// The client side of NTLM for tests, from WinPR's SSPI (an independent implementation of the
// protocol the fake server checks): NEGOTIATE, then AUTHENTICATE for a CHALLENGE, then sealing
// for the CredSSP public-key binding.
#include <string>
#include <vector>

#include <winpr/sspi.h>

namespace rdpfault::test {

class NtlmClient {
 public:
  NtlmClient(const std::string& user, const std::string& domain, const std::string& password)
      : user_(user), domain_(domain), password_(password) {
    table_ = InitSecurityInterfaceExA(0);
    SecPkgInfoA* pkg = nullptr;
    table_->QuerySecurityPackageInfoA(const_cast<SEC_CHAR*>("NTLM"), &pkg);
    max_token_ = pkg ? pkg->cbMaxToken : 4096;
    if (pkg) table_->FreeContextBuffer(pkg);
    SEC_WINNT_AUTH_IDENTITY_A id{};
    id.User = reinterpret_cast<unsigned char*>(user_.data());
    id.UserLength = static_cast<ULONG>(user_.size());
    id.Domain = reinterpret_cast<unsigned char*>(domain_.data());
    id.DomainLength = static_cast<ULONG>(domain_.size());
    id.Password = reinterpret_cast<unsigned char*>(password_.data());
    id.PasswordLength = static_cast<ULONG>(password_.size());
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    TimeStamp expiry{};
    ok_ = table_->AcquireCredentialsHandleA(nullptr, const_cast<SEC_CHAR*>("NTLM"), SECPKG_CRED_OUTBOUND, nullptr, &id,
                                            nullptr, nullptr, &cred_, &expiry) == SEC_E_OK;
  }
  ~NtlmClient() {
    if (have_ctx_) table_->DeleteSecurityContext(&ctx_);
    if (ok_) table_->FreeCredentialsHandle(&cred_);
  }
  NtlmClient(const NtlmClient&) = delete;
  NtlmClient& operator=(const NtlmClient&) = delete;

  bool ok() const { return ok_; }

  /// The next token: NEGOTIATE first (`in` empty), then AUTHENTICATE for a CHALLENGE.
  std::vector<std::uint8_t> next(const std::vector<std::uint8_t>& in) {
    std::vector<std::uint8_t> out(max_token_);
    SecBuffer out_buf{max_token_, SECBUFFER_TOKEN, out.data()};
    SecBufferDesc out_desc{SECBUFFER_VERSION, 1, &out_buf};
    SecBuffer in_buf{static_cast<ULONG>(in.size()), SECBUFFER_TOKEN, const_cast<std::uint8_t*>(in.data())};
    SecBufferDesc in_desc{SECBUFFER_VERSION, 1, &in_buf};
    ULONG attrs = 0;
    TimeStamp expiry{};
    const ULONG req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_USE_SESSION_KEY;
    const auto st = table_->InitializeSecurityContextA(&cred_, have_ctx_ ? &ctx_ : nullptr,
                                                       const_cast<SEC_CHAR*>("TERMSRV/localhost"), req, 0,
                                                       SECURITY_NATIVE_DREP, in.empty() ? nullptr : &in_desc, 0, &ctx_,
                                                       &out_desc, &attrs, &expiry);
    have_ctx_ = true;
    if (st == SEC_I_COMPLETE_NEEDED || st == SEC_I_COMPLETE_AND_CONTINUE) {
      SecBuffer b{0, SECBUFFER_TOKEN, nullptr};
      SecBufferDesc d{SECBUFFER_VERSION, 1, &b};
      table_->CompleteAuthToken(&ctx_, &d);
    }
    out.resize(out_buf.cbBuffer);
    return out;
  }

  /// signature || sealed `plain`, with sequence number `seq`.
  std::vector<std::uint8_t> seal(const std::vector<std::uint8_t>& plain, ULONG seq) {
    SecPkgContext_Sizes sizes{};
    table_->QueryContextAttributesA(&ctx_, SECPKG_ATTR_SIZES, &sizes);
    std::vector<std::uint8_t> sig(sizes.cbSecurityTrailer ? sizes.cbSecurityTrailer : 16), data = plain;
    SecBuffer bufs[2] = {{static_cast<ULONG>(sig.size()), SECBUFFER_TOKEN, sig.data()},
                         {static_cast<ULONG>(data.size()), SECBUFFER_DATA, data.data()}};
    SecBufferDesc d{SECBUFFER_VERSION, 2, bufs};
    table_->EncryptMessage(&ctx_, 0, &d, seq);
    sig.resize(bufs[0].cbBuffer);
    sig.insert(sig.end(), data.begin(), data.end());
    return sig;
  }

 private:
  SecurityFunctionTableA* table_ = nullptr;
  CredHandle cred_{};
  CtxtHandle ctx_{};
  bool ok_ = false;
  bool have_ctx_ = false;
  ULONG max_token_ = 4096;
  std::string user_, domain_, password_;
};

}  // namespace rdpfault::test
