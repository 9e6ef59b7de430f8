#include "rdpfault/pdu/x224.hpp"

#include <algorithm>
#include <cstdio>

namespace rdpfault::pdu {
namespace {

constexpr std::uint8_t kTpduCr = 0xE0;
constexpr std::uint8_t kTpduCc = 0xD0;
constexpr std::uint8_t kTpduDr = 0x80;
constexpr std::uint8_t kTpduDt = 0xF0;
constexpr std::uint8_t kNegReq = 0x01;
constexpr std::uint8_t kNegRsp = 0x02;
constexpr std::uint8_t kNegFailure = 0x03;
constexpr std::uint8_t kNegCorrelationInfo = 0x06;
constexpr std::string_view kCookiePrefix = "Cookie: mstshash=";
constexpr std::string_view kTokenPrefix = "Cookie: msts=";

std::string hex8(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v);
  return b;
}

/// Reads the TPKT header of a whole frame and returns a cursor positioned after it whose
/// end is the TPKT length.
bool open_tpkt(ReadCursor& c, ByteView frame, ByteView& body) {
  auto h = decode_tpkt_header(c);
  if (!h) return false;
  if (!c.check(h->length == frame.size(), "length",
               "tpkt length " + std::to_string(h->length) + " but frame has " + std::to_string(frame.size()))) {
    return false;
  }
  body = frame.subspan(TpktHeader::kSize);
  return true;
}

}  // namespace

std::string protocols_to_string(std::uint32_t flags) {
  if (flags == 0) return "rdp";
  std::string s;
  auto add = [&](std::uint32_t bit, std::string_view name) {
    if (flags & bit) {
      if (!s.empty()) s += '|';
      s += name;
      flags &= ~bit;
    }
  };
  add(Protocols::ssl, "ssl");
  add(Protocols::hybrid, "hybrid");
  add(Protocols::rdstls, "rdstls");
  add(Protocols::hybrid_ex, "hybrid_ex");
  if (flags) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%x", flags);
    if (!s.empty()) s += '|';
    s += b;
  }
  return s;
}

std::string_view FailureCode::name() const noexcept {
  switch (value) {
    case ssl_required_by_server: return "SSL_REQUIRED_BY_SERVER";
    case ssl_not_allowed_by_server: return "SSL_NOT_ALLOWED_BY_SERVER";
    case ssl_cert_not_on_server: return "SSL_CERT_NOT_ON_SERVER";
    case inconsistent_flags: return "INCONSISTENT_FLAGS";
    case hybrid_required_by_server: return "HYBRID_REQUIRED_BY_SERVER";
    case ssl_with_user_auth_required_by_server: return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER";
    default: return "";
  }
}

DecodeResult<TpktHeader> decode_tpkt_header(ReadCursor& c) {
  TpktHeader h;
  auto version = c.u8("version");
  c.check(version == 3, "version", "expected 3, got " + std::to_string(version));
  c.u8("reserved");
  h.length = c.u16be("length");
  c.check(h.length >= 7, "length", "tpkt length " + std::to_string(h.length) + " is below the minimum of 7");
  if (c.failed()) return c.take_error();
  return h;
}

Bytes tpkt_wrap(ByteView payload) {
  Bytes out;
  out.reserve(payload.size() + TpktHeader::kSize);
  WriteCursor w(out);
  w.u8(3);
  w.u8(0);
  w.u16be(static_cast<std::uint16_t>(payload.size() + TpktHeader::kSize));
  w.bytes(payload);
  return out;
}

DecodeResult<std::size_t> frame_size(ByteView buf) {
  if (buf.empty()) return std::size_t{0};
  const std::uint8_t b0 = buf[0];
  if (b0 == 0x03) {
    if (buf.size() < 4) return std::size_t{0};
    ReadCursor c(buf.first(4), "tpkt");
    auto h = decode_tpkt_header(c);
    if (!h) return h.error();
    return std::size_t{h->length};
  }
  if ((b0 & 0x03) == 0) {
    // [MS-RDPBCGR 2.2.8.1.2] fast-path: fpInputHeader, then length1 (and length2 if length1 & 0x80).
    if (buf.size() < 2) return std::size_t{0};
    std::size_t len = buf[1];
    if (len & 0x80) {
      if (buf.size() < 3) return std::size_t{0};
      len = ((len & 0x7F) << 8) | buf[2];
    }
    ReadCursor c(buf, "fast-path input");
    if (!c.check(len >= 2, "length", "fast-path length " + std::to_string(len) + " is below the minimum of 2")) {
      return c.take_error();
    }
    return len;
  }
  ReadCursor c(buf, "frame");
  c.fail(PduErrc::unexpected_type, "header", "first byte " + hex8(b0) + " starts neither a TPKT nor a fast-path PDU");
  return c.take_error();
}

DecodeResult<ConnectionRequest> ConnectionRequest::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  ByteView body;
  if (!open_tpkt(c, frame, body)) return c.take_error();
  ConnectionRequest r;
  auto li = c.u8("length indicator");
  c.check(li >= 6, "length indicator", "LI " + std::to_string(li) + " is below 6");
  c.check(std::size_t{li} + 1 == body.size(), "length indicator",
          "LI " + std::to_string(li) + " does not match the " + std::to_string(body.size()) + "-byte TPDU");
  auto code = c.u8("code");
  c.check((code & 0xF0) == kTpduCr, "code", "expected 0xe0 (connection request), got " + hex8(code));
  c.u16be("dst-ref");
  c.u16be("src-ref");
  c.u8("class");
  if (c.failed()) return c.take_error();

  // Optional cookie or routing token, terminated by CR LF.
  auto rest = c.rest();
  std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  const bool is_cookie = text.starts_with(kCookiePrefix);
  const bool is_token = !is_cookie && text.starts_with(kTokenPrefix);
  if (is_cookie || is_token) {
    auto crlf = text.find("\r\n");
    if (!c.check(crlf != std::string_view::npos, "cookie", "cookie is not terminated by CR LF")) {
      return c.take_error();
    }
    if (is_cookie) {
      r.cookie = std::string(text.substr(kCookiePrefix.size(), crlf - kCookiePrefix.size()));
    } else {
      r.routing_token = std::string(text.substr(0, crlf));
    }
    c.skip(crlf + 2, "cookie");
  }
  if (c.remaining() >= 8 && c.peek_u8() == kNegReq) {
    r.has_neg_req = true;
    c.u8("rdpNegReq.type");
    r.neg_flags = c.u8("rdpNegReq.flags");
    auto len = c.u16le("rdpNegReq.length");
    c.check(len == 8, "rdpNegReq.length", "expected 8, got " + std::to_string(len));
    r.requested_protocols = c.u32le("rdpNegReq.requestedProtocols");
  }
  if (c.remaining() >= 36 && c.peek_u8() == kNegCorrelationInfo) {
    r.has_correlation_info = true;
    c.u8("rdpCorrelationInfo.type");
    c.u8("rdpCorrelationInfo.flags");
    auto len = c.u16le("rdpCorrelationInfo.length");
    c.check(len == 36, "rdpCorrelationInfo.length", "expected 36, got " + std::to_string(len));
    c.skip(32, "rdpCorrelationInfo.correlationId");
  }
  if (!c.failed() && c.remaining() != 0) {
    c.fail(PduErrc::invalid_field, c.peek_u8() == kNegReq ? "rdpNegReq" : "variable part",
           std::to_string(c.remaining()) + " byte(s) that are neither a cookie, RDP_NEG_REQ nor correlation info");
  }
  if (c.failed()) return c.take_error();
  return r;
}

Bytes ConnectionRequest::encode() const {
  Bytes tpdu;
  WriteCursor w(tpdu);
  w.u8(0);  // LI, patched below.
  w.u8(kTpduCr);
  w.u16be(0);
  w.u16be(0);
  w.u8(0);
  auto put_text = [&](std::string_view s) {
    w.bytes(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  if (!routing_token.empty()) {
    put_text(routing_token);
    put_text("\r\n");
  } else if (!cookie.empty()) {
    put_text(kCookiePrefix);
    put_text(cookie);
    put_text("\r\n");
  }
  if (has_neg_req) {
    w.u8(kNegReq);
    w.u8(neg_flags);
    w.u16le(8);
    w.u32le(requested_protocols);
  }
  if (has_correlation_info) {
    w.u8(kNegCorrelationInfo);
    w.u8(0);
    w.u16le(36);
    w.zeros(32);
  }
  tpdu[0] = static_cast<std::uint8_t>(tpdu.size() - 1);
  return tpkt_wrap(tpdu);
}

DecodeResult<ConnectionConfirm> ConnectionConfirm::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  ByteView body;
  if (!open_tpkt(c, frame, body)) return c.take_error();
  ConnectionConfirm cc;
  auto li = c.u8("length indicator");
  c.check(std::size_t{li} + 1 == body.size(), "length indicator", "LI does not match the TPDU length");
  auto code = c.u8("code");
  c.check((code & 0xF0) == kTpduCc, "code", "expected 0xd0 (connection confirm), got " + hex8(code));
  c.u16be("dst-ref");
  c.u16be("src-ref");
  c.u8("class");
  if (c.failed()) return c.take_error();
  if (c.remaining() == 0) {
    cc.kind = Kind::legacy;
    return cc;
  }
  auto type = c.u8("rdpNeg.type");
  c.check(type == kNegRsp || type == kNegFailure, "rdpNeg.type", "expected 2 or 3, got " + std::to_string(type));
  cc.kind = type == kNegFailure ? Kind::failure : Kind::response;
  cc.flags = c.u8("rdpNeg.flags");
  auto len = c.u16le("rdpNeg.length");
  c.check(len == 8, "rdpNeg.length", "expected 8, got " + std::to_string(len));
  auto v = c.u32le(type == kNegFailure ? "rdpNegFailure.failureCode" : "rdpNegRsp.selectedProtocol");
  if (cc.kind == Kind::failure) {
    cc.failure.value = v;
  } else {
    cc.selected_protocol = v;
  }
  c.expect_end();
  if (c.failed()) return c.take_error();
  return cc;
}

Bytes ConnectionConfirm::encode() const {
  Bytes tpdu;
  WriteCursor w(tpdu);
  w.u8(kind == Kind::legacy ? 6 : 14);  // LI: bytes after the LI byte.
  w.u8(kTpduCc);
  w.u16be(0);       // dst-ref
  w.u16be(0x1234);  // src-ref: arbitrary; Windows uses 0x1234 too.
  w.u8(0);          // class 0
  if (kind != Kind::legacy) {
    w.u8(kind == Kind::failure ? kNegFailure : kNegRsp);
    w.u8(flags);
    w.u16le(8);
    w.u32le(kind == Kind::failure ? failure.value : selected_protocol);
  }
  return tpkt_wrap(tpdu);
}

bool read_x224_data_header(ReadCursor& c) {
  auto li = c.u8("x224 length indicator");
  c.check(li == 2, "x224 length indicator", "expected 2, got " + std::to_string(li));
  auto code = c.u8("x224 code");
  if (!c.failed() && (code & 0xF0) != kTpduDt) {
    c.fail(PduErrc::unexpected_type, "x224 code", "expected 0xf0 (data), got " + hex8(code));
  }
  c.u8("x224 eot");
  return !c.failed();
}

void write_x224_data_header(WriteCursor& w) {
  w.u8(2);
  w.u8(kTpduDt);
  w.u8(0x80);
}

Bytes encode_x224_disconnect_request() {
  const std::uint8_t tpdu[] = {6, kTpduDr, 0, 0, 0x12, 0x34, 0};
  return tpkt_wrap(tpdu);
}

}  // namespace rdpfault::pdu
