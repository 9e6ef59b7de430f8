#pragma once
// The server side of CredSSP ([MS-CSSP] 3.1.5) with NTLM from libwinpr2's SSPI, one instance
// per connection. No I/O: TSRequest frames in, TSRequest frames out.
//
//   C: TSRequest{negoTokens: NTLM NEGOTIATE, clientNonce}
//   S: TSRequest{negoTokens: NTLM CHALLENGE}
//   C: TSRequest{negoTokens: NTLM AUTHENTICATE, pubKeyAuth}
//   S: TSRequest{pubKeyAuth}             or TSRequest{errorCode: NTSTATUS} and close
//   C: TSRequest{authInfo: sealed TSCredentials}
//
// The account store is ours: WinPR is told the NT hash of the account the client names
// (SECPKG_ATTR_AUTH_NTLM_HASH), so it never reads a SAM file. See
// docs/connection-sequence.md ("NTLM through WinPR") for the sequence this follows.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdpfault/pdu/cursor.hpp"
#include "rdpfault/pdu/ntlm.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::fakeserver {

/// [MS-NLMP 3.3.2] Whether the client's NTLMv2 NTProofStr in `m` was made with `password`
/// for the CHALLENGE that carried `server_challenge` (compared in constant time).
bool ntlm_v2_proof_matches(const std::string& password, const pdu::NtlmAuthenticate& m,
                           const std::array<std::uint8_t, 8>& server_challenge);

class NlaServer {
 public:
  enum class State { more, done, failed };
  struct Step {
    State state = State::more;
    pdu::Bytes out;              ///< Send this (may be empty).
    std::uint32_t ntstatus = 0;  ///< failed: what errorCode said (0 when the client broke the protocol).
    std::string reason;          ///< failed: why, for the trace (never a password).
    std::string event;           ///< What this step was: negotiate, authenticate, credentials.
  };

  /// `public_key` is the server certificate's SubjectPublicKey as the client binds it;
  /// `version` the TSRequest version this server speaks (2-6).
  NlaServer(const std::vector<scenario::Account>& accounts, std::vector<std::uint8_t> public_key,
            std::uint32_t version);
  ~NlaServer();
  NlaServer(const NlaServer&) = delete;
  NlaServer& operator=(const NlaServer&) = delete;

  Step step(pdu::ByteView frame);

  std::uint32_t client_version() const noexcept { return client_version_; }
  const std::string& user() const noexcept { return user_; }
  const std::string& domain() const noexcept { return domain_; }

  /// Makes sure WinPR's SSPI is initialised (once per process; thread-safe).
  static bool initialise();

  struct Sspi;

 private:
  Step fail(std::uint32_t ntstatus, std::string reason);

  const std::vector<scenario::Account>& accounts_;
  std::vector<std::uint8_t> public_key_;
  std::uint32_t version_;
  std::uint32_t client_version_ = 0;
  std::vector<std::uint8_t> nonce_;
  std::array<std::uint8_t, 8> server_challenge_{};  ///< From our CHALLENGE, for the NTLMv2 proof.
  int round_ = 0;
  std::string user_;
  std::string domain_;
  std::unique_ptr<Sspi> sspi_;
};

}  // namespace rdpfault::fakeserver
