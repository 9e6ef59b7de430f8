#include "rdpfault/pdu/credssp.hpp"

#include "rdpfault/pdu/mcs.hpp"  // ber:: helpers

namespace rdpfault::pdu {
namespace {

/// tag L content, with a BER length.
void tlv(WriteCursor& w, std::uint8_t tag, ByteView content) {
  w.u8(tag);
  ber::write_length(w, content.size());
  w.bytes(content);
}

Bytes octet_string(ByteView b) {
  Bytes out;
  WriteCursor w(out);
  tlv(w, 0x04, b);
  return out;
}

Bytes integer(std::uint32_t v, bool four_bytes) {
  Bytes content;
  if (four_bytes) {
    WriteCursor(content).u32be(v);
  } else {
    // Minimal two's complement of a non-negative value.
    int n = 4;
    while (n > 1 && ((v >> ((n - 1) * 8)) & 0xFF) == 0 && !(((v >> ((n - 2) * 8)) & 0x80))) --n;
    for (int i = n - 1; i >= 0; --i) content.push_back(static_cast<std::uint8_t>(v >> (i * 8)));
    // A leading 0 keeps the value positive, unless that makes five bytes: readers (FreeRDP's
    // and ours) take at most four, and 0x80000000 and up then read back as the same bits.
    if ((content.front() & 0x80) && content.size() < 4) content.insert(content.begin(), 0);
  }
  Bytes out;
  WriteCursor w(out);
  tlv(w, 0x02, content);
  return out;
}

/// Reads `[n]` and returns the length of what it wraps; nullopt (cursor untouched) when the
/// next tag is another one.
std::optional<std::size_t> context(ReadCursor& c, std::uint8_t n, std::string_view field) {
  if (c.remaining() == 0 || c.peek_u8() != (0xA0 | n)) return std::nullopt;
  return ber::read_tag(c, static_cast<std::uint8_t>(0xA0 | n), field);
}

Bytes read_octets(ReadCursor& c, std::string_view field) {
  auto len = ber::read_tag(c, 0x04, field);
  auto b = c.bytes(len, field);
  return Bytes(b.begin(), b.end());
}

std::string utf16_to_ascii(ByteView b) {
  std::string s;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
    const unsigned u = b[i] | (b[i + 1] << 8);
    s += u < 0x80 ? static_cast<char>(u) : '?';
  }
  return s;
}

Bytes utf16(std::string_view s) {
  Bytes out;
  for (unsigned char ch : s) {
    out.push_back(ch);
    out.push_back(0);
  }
  return out;
}

}  // namespace

DecodeResult<std::size_t> der_frame_size(ByteView data) {
  if (data.empty()) return std::size_t{0};
  if (data[0] != 0x30) {
    DecodeError e;
    e.code = PduErrc::invalid_field;
    e.pdu = TsRequest::kName;
    e.field = "SEQUENCE tag";
    e.reason = "expected 0x30, got 0x" + std::string(1, "0123456789abcdef"[data[0] >> 4]) +
               std::string(1, "0123456789abcdef"[data[0] & 15]);
    return e;
  }
  if (data.size() < 2) return std::size_t{0};
  std::size_t len = data[1];
  std::size_t header = 2;
  if (len & 0x80) {
    const std::size_t n = len & 0x7F;
    if (n == 0 || n > 2) {
      DecodeError e;
      e.code = PduErrc::invalid_field;
      e.pdu = TsRequest::kName;
      e.field = "SEQUENCE length";
      e.reason = "length of " + std::to_string(n) + " bytes is not supported";
      return e;
    }
    if (data.size() < 2 + n) return std::size_t{0};
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | data[2 + i];
    header += n;
  }
  return header + len;
}

DecodeResult<TsRequest> TsRequest::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  TsRequest r;
  auto total = ber::read_tag(c, 0x30, "TSRequest");
  c.check(total == c.remaining(), "TSRequest", "SEQUENCE length " + std::to_string(total) + " but " +
                                                  std::to_string(c.remaining()) + " bytes follow");
  if (!context(c, 0, "version")) c.check(false, "version", "missing [0] version");
  r.version = ber::read_integer(c, "version");
  c.check(r.version >= 1, "version", "version 0");
  if (auto n = context(c, 1, "negoTokens")) {
    const auto end = c.pos() + *n;
    auto seq = ber::read_tag(c, 0x30, "negoTokens");
    (void)seq;
    while (!c.failed() && c.pos() < end) {
      ber::read_tag(c, 0x30, "NegoDataItem");
      if (!context(c, 0, "negoToken")) c.check(false, "negoToken", "missing [0] negoToken");
      r.nego_tokens.push_back(read_octets(c, "negoToken"));
    }
    c.check(c.pos() == end, "negoTokens", "NegoData overruns its length");
  }
  if (context(c, 2, "authInfo")) r.auth_info = read_octets(c, "authInfo");
  if (context(c, 3, "pubKeyAuth")) r.pub_key_auth = read_octets(c, "pubKeyAuth");
  if (context(c, 4, "errorCode")) r.error_code = ber::read_integer(c, "errorCode");
  if (context(c, 5, "clientNonce")) {
    r.client_nonce = read_octets(c, "clientNonce");
    c.check(r.client_nonce->size() == 32, "clientNonce", std::to_string(r.client_nonce->size()) + " bytes, not 32");
  }
  c.expect_end();
  if (c.failed()) return c.take_error();
  return r;
}

Bytes TsRequest::encode() const {
  Bytes body;
  WriteCursor w(body);
  tlv(w, 0xA0, integer(version, false));
  if (!nego_tokens.empty()) {
    Bytes items;
    WriteCursor iw(items);
    for (const auto& t : nego_tokens) {
      Bytes inner;
      WriteCursor inw(inner);
      tlv(inw, 0xA0, octet_string(t));
      tlv(iw, 0x30, inner);
    }
    Bytes seq;
    WriteCursor sw(seq);
    tlv(sw, 0x30, items);
    tlv(w, 0xA1, seq);
  }
  if (auth_info) tlv(w, 0xA2, octet_string(*auth_info));
  if (pub_key_auth) tlv(w, 0xA3, octet_string(*pub_key_auth));
  if (error_code) tlv(w, 0xA4, integer(*error_code, true));
  if (client_nonce) tlv(w, 0xA5, octet_string(*client_nonce));
  Bytes out;
  WriteCursor ow(out);
  tlv(ow, 0x30, body);
  return out;
}

DecodeResult<TsCredentials> TsCredentials::decode(ByteView data) {
  ReadCursor c(data, kName);
  TsCredentials t;
  const auto total = ber::read_tag(c, 0x30, "TSCredentials");
  c.check(total == c.remaining(), "TSCredentials", "SEQUENCE length does not match");
  if (!context(c, 0, "credType")) c.check(false, "credType", "missing [0] credType");
  t.cred_type = ber::read_integer(c, "credType");
  if (!context(c, 1, "credentials")) c.check(false, "credentials", "missing [1] credentials");
  auto creds = read_octets(c, "credentials");
  c.expect_end();
  if (c.failed()) return c.take_error();
  if (t.cred_type != 1) {
    DecodeError e;
    e.code = PduErrc::unsupported;
    e.pdu = kName;
    e.field = "credType";
    e.reason = "credType " + std::to_string(t.cred_type) + " (only 1, password, is read)";
    return e;
  }
  ReadCursor p(creds, "credssp tspasswordcreds");
  const auto ptotal = ber::read_tag(p, 0x30, "TSPasswordCreds");
  p.check(ptotal == p.remaining(), "TSPasswordCreds", "SEQUENCE length does not match");
  if (!context(p, 0, "domainName")) p.check(false, "domainName", "missing [0] domainName");
  t.domain = utf16_to_ascii(read_octets(p, "domainName"));
  if (!context(p, 1, "userName")) p.check(false, "userName", "missing [1] userName");
  t.user = utf16_to_ascii(read_octets(p, "userName"));
  if (!context(p, 2, "password")) p.check(false, "password", "missing [2] password");
  const auto plen = ber::read_tag(p, 0x04, "password");
  p.skip(plen, "password");  // Never copied.
  t.password_present = plen > 0;
  p.expect_end();
  if (p.failed()) return p.take_error();
  return t;
}

Bytes encode_ts_credentials(std::string_view domain, std::string_view user, std::string_view password) {
  Bytes pw;
  WriteCursor pwc(pw);
  tlv(pwc, 0xA0, octet_string(utf16(domain)));
  tlv(pwc, 0xA1, octet_string(utf16(user)));
  tlv(pwc, 0xA2, octet_string(utf16(password)));
  Bytes pwseq;
  WriteCursor ps(pwseq);
  tlv(ps, 0x30, pw);
  Bytes body;
  WriteCursor b(body);
  tlv(b, 0xA0, integer(1, false));
  tlv(b, 0xA1, octet_string(pwseq));
  Bytes out;
  WriteCursor o(out);
  tlv(o, 0x30, body);
  return out;
}

}  // namespace rdpfault::pdu
