#pragma once
/// The two NTLM messages the fake server reads itself before handing them to WinPR's SSPI:
/// the server challenge out of its own CHALLENGE, and the client's AUTHENTICATE, bounded and
/// parsed, so a logon that would fail never reaches WinPR 2.11 (which keeps the AUTHENTICATE
/// fields it read until a logon succeeds: a leak per failed logon, unbounded with a crafted
/// 60 KB user name). See docs/connection-sequence.md.
#include <array>
#include <cstdint>

#include "rdpfault/pdu/cursor.hpp"

namespace rdpfault::pdu {

/// [MS-NLMP 2.2.1.3] AUTHENTICATE_MESSAGE: the parts the server checks. Field buffers are
/// views into the message.
///
///   Signature "NTLMSSP\0" (8) | MessageType 3 (4) | LmChallengeResponseFields (8) |
///   NtChallengeResponseFields (8) | DomainNameFields (8) | UserNameFields (8) |
///   WorkstationFields (8) | EncryptedRandomSessionKeyFields (8) | NegotiateFlags (4) |
///   [Version (8)] [MIC (16)] | payload
///   where each *Fields is Len (2) | MaxLen (2) | BufferOffset (4), pointing into the payload.
struct NtlmAuthenticate {
  static constexpr std::string_view kName = "ntlm authenticate";
  static constexpr std::size_t kMaxName = 512;        ///< Bytes of user, domain, workstation (UTF-16LE).
  static constexpr std::size_t kMaxNtResponse = 4096; ///< NTLMv2 response: proof, blob and AV pairs.

  ByteView lm_response;
  ByteView nt_response;   ///< NTLMv2: NTProofStr (16) followed by the client's blob.
  ByteView domain;        ///< UTF-16LE as sent.
  ByteView user;          ///< UTF-16LE as sent.
  ByteView workstation;
  ByteView session_key;
  std::uint32_t flags = 0;

  /// Rejects anything WinPR would refuse half-way through reading it: a field outside the
  /// message, oversized names, an NT response too short for NTLMv2, a session key that is
  /// not 0 or 16 bytes.
  static DecodeResult<NtlmAuthenticate> decode(ByteView message);
};

/// [MS-NLMP 2.2.1.2] CHALLENGE_MESSAGE.ServerChallenge (8 bytes at offset 24).
DecodeResult<std::array<std::uint8_t, 8>> ntlm_server_challenge(ByteView challenge_message);

/// UTF-16LE to UTF-8 (unpaired surrogates become U+FFFD).
std::string utf16le_to_utf8(ByteView s);

}  // namespace rdpfault::pdu
