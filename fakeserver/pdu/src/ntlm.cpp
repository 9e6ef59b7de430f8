#include "rdpfault/pdu/ntlm.hpp"

#include <cstring>

namespace rdpfault::pdu {
namespace {

constexpr std::uint8_t kSignature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
constexpr std::uint32_t kNegotiateVersion = 0x02000000;  // NTLMSSP_NEGOTIATE_VERSION
constexpr std::size_t kNtlmV2Fixed = 16 /* NTProofStr */ + 28 /* blob up to the AV pairs */;

/// Len (2) | MaxLen (2) | BufferOffset (4), resolved against the whole message.
ByteView read_field(ReadCursor& c, ByteView message, std::string_view field, std::size_t max) {
  const auto len = c.u16le(field);
  c.u16le(field);  // MaxLen: informational.
  const auto offset = c.u32le(field);
  if (c.failed()) return {};
  if (!c.check(len <= max, field, "is " + std::to_string(len) + " bytes (at most " + std::to_string(max) + ")")) return {};
  if (!c.check(static_cast<std::uint64_t>(offset) + len <= message.size(), field,
               "points outside the message (offset " + std::to_string(offset) + ", length " + std::to_string(len) +
                   ", message " + std::to_string(message.size()) + ")")) {
    return {};
  }
  return message.subspan(offset, len);
}

}  // namespace

DecodeResult<NtlmAuthenticate> NtlmAuthenticate::decode(ByteView message) {
  ReadCursor c(message, kName);
  NtlmAuthenticate m;
  const auto sig = c.bytes(8, "Signature");
  if (!c.failed()) c.check(std::memcmp(sig.data(), kSignature, 8) == 0, "Signature", "is not NTLMSSP");
  const auto type = c.u32le("MessageType");
  c.check(c.failed() || type == 3, "MessageType", "is " + std::to_string(type) + ", not 3 (AUTHENTICATE)");
  m.lm_response = read_field(c, message, "LmChallengeResponseFields", 24);
  m.nt_response = read_field(c, message, "NtChallengeResponseFields", kMaxNtResponse);
  m.domain = read_field(c, message, "DomainNameFields", kMaxName);
  m.user = read_field(c, message, "UserNameFields", kMaxName);
  m.workstation = read_field(c, message, "WorkstationFields", kMaxName);
  m.session_key = read_field(c, message, "EncryptedRandomSessionKeyFields", 16);
  m.flags = c.u32le("NegotiateFlags");
  if (!c.failed() && (m.flags & kNegotiateVersion)) c.skip(8, "Version");
  if (c.failed()) return c.take_error();
  c.check(m.nt_response.size() >= kNtlmV2Fixed, "NtChallengeResponse",
          "is " + std::to_string(m.nt_response.size()) + " bytes: not an NTLMv2 response (NTLMv1 is not accepted)");
  c.check(m.session_key.empty() || m.session_key.size() == 16, "EncryptedRandomSessionKey",
          "is " + std::to_string(m.session_key.size()) + " bytes (0 or 16)");
  c.check(m.user.size() % 2 == 0 && m.domain.size() % 2 == 0, "UserName", "is not UTF-16 (odd length)");
  c.check(!m.user.empty(), "UserName", "is empty");
  if (c.failed()) return c.take_error();
  return m;
}

DecodeResult<std::array<std::uint8_t, 8>> ntlm_server_challenge(ByteView message) {
  ReadCursor c(message, "ntlm challenge");
  const auto sig = c.bytes(8, "Signature");
  if (!c.failed()) c.check(std::memcmp(sig.data(), kSignature, 8) == 0, "Signature", "is not NTLMSSP");
  const auto type = c.u32le("MessageType");
  c.check(c.failed() || type == 2, "MessageType", "is " + std::to_string(type) + ", not 2 (CHALLENGE)");
  c.skip(8 + 4, "TargetNameFields");  // TargetNameFields, NegotiateFlags
  const auto ch = c.bytes(8, "ServerChallenge");
  if (c.failed()) return c.take_error();
  std::array<std::uint8_t, 8> out{};
  std::memcpy(out.data(), ch.data(), 8);
  return out;
}

std::string utf16le_to_utf8(ByteView s) {
  std::string out;
  auto put = [&](std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  };
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    const std::uint32_t u = s[i] | (std::uint32_t{s[i + 1]} << 8);
    if (u >= 0xD800 && u < 0xDC00 && i + 3 < s.size()) {
      const std::uint32_t lo = s[i + 2] | (std::uint32_t{s[i + 3]} << 8);
      if (lo >= 0xDC00 && lo < 0xE000) {
        put(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    put(u >= 0xD800 && u < 0xE000 ? 0xFFFD : u);
  }
  return out;
}

}  // namespace rdpfault::pdu
