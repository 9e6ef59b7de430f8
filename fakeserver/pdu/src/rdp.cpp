#include "rdpfault/pdu/rdp.hpp"

#include <bit>
#include <cstdio>
#include <cstring>

namespace rdpfault::pdu {
namespace {

constexpr std::uint32_t kInfoUnicode = 0x00000010;
constexpr std::uint16_t kMaxInfoString = 512;  // cbDomain/cbUserName/cbPassword limits ([MS-RDPBCGR 2.2.1.11.1.1]).

std::string read_info_string(ReadCursor& c, std::uint16_t cb, bool unicode, std::string_view field) {
  c.check(cb <= kMaxInfoString, field, "length " + std::to_string(cb) + " exceeds 512");
  c.check(!unicode || cb % 2 == 0, field, "odd length " + std::to_string(cb) + " for a UTF-16 string");
  auto b = c.bytes(cb, field);
  c.skip(unicode ? 2 : 1, field);  // The terminator, which cb does not count.
  std::string s;
  if (unicode) {
    for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
      auto ch = static_cast<std::uint16_t>(b[i] | (b[i + 1] << 8));
      if (ch == 0) break;
      s += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : '?';
    }
  } else {
    for (auto ch : b) {
      if (ch == 0) break;
      s += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : '?';
    }
  }
  return s;
}

void write_share_control_header(WriteCursor& w, std::uint16_t total, std::uint16_t type, std::uint16_t source) {
  w.u16le(total);
  w.u16le(static_cast<std::uint16_t>(type | 0x10));
  w.u16le(source);
}

}  // namespace

std::string_view pdu_type2_name(std::uint8_t t) noexcept {
  switch (t) {
    case PduType2::update: return "update";
    case PduType2::control: return "control";
    case PduType2::pointer: return "pointer";
    case PduType2::input: return "input";
    case PduType2::synchronize: return "synchronize";
    case PduType2::refresh_rect: return "refresh rect";
    case PduType2::play_sound: return "play sound";
    case PduType2::suppress_output: return "suppress output";
    case PduType2::shutdown_request: return "shutdown request";
    case PduType2::shutdown_denied: return "shutdown denied";
    case PduType2::save_session_info: return "save session info";
    case PduType2::font_list: return "font list";
    case PduType2::font_map: return "font map";
    case PduType2::persistent_key_list: return "persistent key list";
    case PduType2::set_error_info: return "set error info";
    default: return "data";
  }
}

DecodeResult<ClientInfo> ClientInfo::decode(ByteView payload) {
  ReadCursor c(payload, kName);
  auto flags = c.u16le("securityHeader.flags");
  c.u16le("securityHeader.flagsHi");
  c.check((flags & SecFlags::info_pkt) != 0, "securityHeader.flags", "SEC_INFO_PKT (0x0040) is not set");
  if (!c.failed() && (flags & SecFlags::encrypt)) {
    c.fail(PduErrc::unsupported, "securityHeader.flags", "encrypted Client Info (Standard RDP Security) is not supported");
  }
  ClientInfo info;
  info.code_page = c.u32le("CodePage");
  info.flags = c.u32le("flags");
  auto cb_domain = c.u16le("cbDomain");
  auto cb_user = c.u16le("cbUserName");
  auto cb_password = c.u16le("cbPassword");
  auto cb_shell = c.u16le("cbAlternateShell");
  auto cb_dir = c.u16le("cbWorkingDir");
  const bool unicode = (info.flags & kInfoUnicode) != 0;
  info.domain = read_info_string(c, cb_domain, unicode, "Domain");
  info.user_name = read_info_string(c, cb_user, unicode, "UserName");
  c.check(cb_password <= kMaxInfoString, "Password", "length " + std::to_string(cb_password) + " exceeds 512");
  c.skip(cb_password + (unicode ? 2u : 1u), "Password");  // Skipped, never copied.
  info.password_present = cb_password > 0;
  info.alternate_shell = read_info_string(c, cb_shell, unicode, "AlternateShell");
  info.working_dir = read_info_string(c, cb_dir, unicode, "WorkingDir");
  // The extended info packet ([MS-RDPBCGR 2.2.1.11.1.1.1]) may follow; nothing in it is needed.
  if (c.failed()) return c.take_error();
  return info;
}

Bytes LicenseErrorMessage::encode() const {
  Bytes out;
  WriteCursor w(out);
  w.u16le(SecFlags::license_pkt);  // Basic security header: flags
  w.u16le(0);                      // flagsHi
  w.u8(0xFF);                      // preamble bMsgType = ERROR_ALERT
  w.u8(0x03);                      // flags = PREAMBLE_VERSION_3_0
  w.u16le(16);                     // wMsgSize: preamble + error message
  w.u32le(error_code);
  w.u32le(state_transition);
  w.u16le(0x0004);  // bbErrorInfo.wBlobType = BB_ERROR_BLOB
  w.u16le(0);       // wBlobLen
  return out;
}

DecodeResult<std::vector<ShareControlPdu>> decode_share_control_pdus(ByteView payload) {
  ReadCursor c(payload, "share control");
  std::vector<ShareControlPdu> pdus;
  while (!c.failed() && c.remaining() > 0) {
    const std::size_t start = c.pos();
    auto total = c.u16le("totalLength");
    if (total == 0x8000) {  // [MS-RDPBCGR 2.2.8.1.1.1.1] flow control PDU: 8 bytes, ignored.
      c.skip(6, "flow pdu");
      continue;
    }
    c.check(total >= 6, "totalLength", "share control length " + std::to_string(total) + " is below 6");
    c.check(total <= payload.size() - start, "totalLength",
            "share control length " + std::to_string(total) + " exceeds the " +
                std::to_string(payload.size() - start) + " bytes left");
    ShareControlPdu p;
    p.pdu_type = c.u16le("pduType") & 0x0F;
    p.source = c.u16le("pduSource");
    if (c.failed()) break;
    std::size_t body_len = total - 6u;
    if (p.pdu_type == PduType::data) {
      c.check(body_len >= 12, "shareDataHeader", "data PDU shorter than its share data header");
      p.share_id = c.u32le("shareId");
      c.u8("pad1");
      c.u8("streamId");
      c.u16le("uncompressedLength");
      p.pdu_type2 = c.u8("pduType2");
      auto compressed = c.u8("compressedType");
      c.check((compressed & 0x20) == 0, "compressedType", "compressed data PDUs are not supported");
      c.u16le("compressedLength");
      body_len -= 12;
    }
    p.body = c.bytes(body_len, "body");
    if (!c.failed()) pdus.push_back(p);
  }
  if (c.failed()) return c.take_error();
  return pdus;
}

DecodeResult<ConfirmActive> ConfirmActive::decode(ByteView body) {
  ReadCursor c(body, kName);
  ConfirmActive ca;
  ca.share_id = c.u32le("shareId");
  ca.originator_id = c.u16le("originatorId");
  auto len_src = c.u16le("lengthSourceDescriptor");
  auto len_caps = c.u16le("lengthCombinedCapabilities");
  auto src = c.bytes(len_src, "sourceDescriptor");
  for (auto ch : src) {
    if (ch == 0) break;
    ca.source_descriptor += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : '?';
  }
  c.check(len_caps <= c.remaining(), "lengthCombinedCapabilities",
          std::to_string(len_caps) + " exceeds the " + std::to_string(c.remaining()) + " bytes left");
  auto caps = c.bytes(len_caps, "capabilitySets");
  if (c.failed()) return c.take_error();
  ReadCursor k(caps, kName);
  auto count = k.u16le("numberCapabilities");
  k.u16le("pad2Octets");
  for (std::uint16_t i = 0; i < count && !k.failed(); ++i) {
    auto type = k.u16le("capabilitySetType");
    auto len = k.u16le("lengthCapability");
    k.check(len >= 4, "lengthCapability", "capability set " + std::to_string(type) + " shorter than its header");
    k.skip(len >= 4 ? len - 4u : 0u, "lengthCapability");
    if (!k.failed()) ca.capability_types.push_back(type);
  }
  if (k.failed()) return k.take_error();
  return ca;
}

Bytes DemandActive::encode() const {
  Bytes caps;
  WriteCursor k(caps);
  auto capset = [&](std::uint16_t type, std::uint16_t len) {
    k.u16le(type);
    k.u16le(len);
  };
  // [2.2.7.1.1] General
  capset(1, 24);
  k.u16le(1);       // osMajorType: Windows
  k.u16le(3);       // osMinorType: Windows NT
  k.u16le(0x0200);  // protocolVersion
  k.u16le(0);       // pad2octetsA
  k.u16le(0);       // generalCompressionTypes
  k.u16le(0x0405);  // extraFlags: FASTPATH_OUTPUT | LONG_CREDENTIALS | NO_BITMAP_COMPRESSION_HDR
  k.u16le(0);       // updateCapabilityFlag
  k.u16le(0);       // remoteUnshareFlag
  k.u16le(0);       // generalCompressionLevel
  k.u8(1);          // refreshRectSupport
  k.u8(1);          // suppressOutputSupport
  // [2.2.7.1.2] Bitmap
  capset(2, 28);
  k.u16le(bits_per_pixel);
  k.u16le(1);  // receive1BitPerPixel
  k.u16le(1);  // receive4BitsPerPixel
  k.u16le(1);  // receive8BitsPerPixel
  k.u16le(desktop_width);
  k.u16le(desktop_height);
  k.u16le(0);  // pad2octets
  k.u16le(1);  // desktopResizeFlag
  k.u16le(1);  // bitmapCompressionFlag
  k.u8(0);     // highColorFlags
  k.u8(0);     // drawingFlags
  k.u16le(1);  // multipleRectangleSupport
  k.u16le(0);  // pad2octetsB
  // [2.2.7.1.3] Order: no drawing orders; the fake server paints bitmaps only.
  capset(3, 88);
  k.zeros(16);      // terminalDescriptor
  k.u32le(0);       // pad4octetsA
  k.u16le(1);       // desktopSaveXGranularity
  k.u16le(20);      // desktopSaveYGranularity
  k.u16le(0);       // pad2octetsA
  k.u16le(1);       // maximumOrderLevel
  k.u16le(0);       // numberFonts
  k.u16le(0x0022);  // orderFlags: NEGOTIATEORDERSUPPORT | ZEROBOUNDSDELTASSUPPORT
  k.zeros(32);      // orderSupport
  k.u16le(0);       // textFlags
  k.u16le(0);       // orderSupportExFlags
  k.u32le(0);       // pad4octetsB
  k.u32le(230400);  // desktopSaveSize
  k.u16le(0);       // pad2octetsC
  k.u16le(0);       // pad2octetsD
  k.u16le(0);       // textANSICodePage
  k.u16le(0);       // pad2octetsE
  // [2.2.7.1.5] Pointer
  capset(8, 10);
  k.u16le(1);   // colorPointerFlag
  k.u16le(25);  // colorPointerCacheSize
  k.u16le(25);  // pointerCacheSize
  // [2.2.7.1.6] Input: scancodes, mouse, unicode; no fast-path input, so input stays slow-path.
  capset(13, 88);
  k.u16le(0x0015);
  k.u16le(0);   // pad2octetsA
  k.u32le(0);   // keyboardLayout
  k.u32le(0);   // keyboardType
  k.u32le(0);   // keyboardSubType
  k.u32le(0);   // keyboardFunctionKey
  k.zeros(64);  // imeFileName
  // [2.2.7.1.10] Virtual Channel
  capset(20, 12);
  k.u32le(0);     // flags
  k.u32le(1600);  // VCChunkSize
  // [2.2.7.2.3] Share
  capset(9, 8);
  k.u16le(source);  // nodeId
  k.u16le(0);
  // [2.2.7.2.5] Font
  capset(14, 8);
  k.u16le(1);  // fontSupportFlags: FONTSUPPORT_FONTLIST
  k.u16le(0);

  Bytes out;
  WriteCursor w(out);
  const auto combined = static_cast<std::uint16_t>(4 + caps.size());  // numberCapabilities + pad + sets
  const auto total = static_cast<std::uint16_t>(6 + 4 + 2 + 2 + 4 + combined + 4);
  write_share_control_header(w, total, PduType::demand_active, source);
  w.u32le(share_id);
  w.u16le(4);  // lengthSourceDescriptor
  w.u16le(combined);
  const std::uint8_t rdp[] = {'R', 'D', 'P', 0};
  w.bytes(rdp);
  w.u16le(8);  // numberCapabilities
  w.u16le(0);  // pad2Octets
  w.bytes(caps);
  w.u32le(0);  // sessionId (mandatory for FreeRDP)
  return out;
}

Bytes encode_data_pdu(std::uint8_t pdu_type2, ByteView body, std::uint32_t share_id, std::uint16_t source) {
  Bytes out;
  out.reserve(body.size() + 18);
  WriteCursor w(out);
  const auto total = static_cast<std::uint16_t>(6 + 12 + body.size());
  write_share_control_header(w, total, PduType::data, source);
  w.u32le(share_id);
  w.u8(0);  // pad1
  w.u8(1);  // streamId: STREAM_LOW
  w.u16le(total);  // uncompressedLength: Windows writes the whole PDU's length; nobody checks it
  w.u8(pdu_type2);
  w.u8(0);     // compressedType
  w.u16le(0);  // compressedLength
  w.bytes(body);
  return out;
}

Bytes synchronize_body(std::uint16_t target_user) {
  Bytes b;
  WriteCursor w(b);
  w.u16le(1);  // messageType: SYNCMSGTYPE_SYNC
  w.u16le(target_user);
  return b;
}

Bytes control_body(std::uint16_t action, std::uint16_t grant_id, std::uint32_t control_id) {
  Bytes b;
  WriteCursor w(b);
  w.u16le(action);
  w.u16le(grant_id);
  w.u32le(control_id);
  return b;
}

Bytes font_map_body() {
  Bytes b;
  WriteCursor w(b);
  w.u16le(0);  // numberEntries
  w.u16le(0);  // totalNumEntries
  w.u16le(3);  // mapFlags: FONTMAP_FIRST | FONTMAP_LAST
  w.u16le(4);  // entrySize
  return b;
}

Bytes set_error_info_body(std::uint32_t error_info) {
  Bytes b;
  WriteCursor w(b);
  w.u32le(error_info);
  return b;
}

DecodeResult<ControlPdu> ControlPdu::decode(ByteView body) {
  ReadCursor c(body, kName);
  ControlPdu p;
  p.action = c.u16le("action");
  p.grant_id = c.u16le("grantId");
  p.control_id = c.u32le("controlId");
  c.check(p.action >= 1 && p.action <= 4, "action", "undefined action " + std::to_string(p.action));
  if (c.failed()) return c.take_error();
  return p;
}

Bytes bitmap_update_body(const std::vector<BitmapRect>& rects) {
  // Sized once and written through a pointer: this runs for every paint, ~32 KiB each.
  std::size_t total = 4;
  for (const auto& r : rects) total += 18 + ((std::size_t{r.width} * 2 + 3) & ~std::size_t{3}) * r.height;
  Bytes b(total, 0);
  std::uint8_t* p = b.data();
  auto put16 = [&p](std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p += 2;
  };
  put16(0x0001);  // updateType: UPDATETYPE_BITMAP
  put16(static_cast<std::uint16_t>(rects.size()));
  for (const auto& r : rects) {
    const std::size_t stride = (std::size_t{r.width} * 2 + 3) & ~std::size_t{3};
    put16(r.left);
    put16(r.top);
    put16(static_cast<std::uint16_t>(r.left + r.width - 1));  // destRight (inclusive)
    put16(static_cast<std::uint16_t>(r.top + r.height - 1));  // destBottom (inclusive)
    put16(r.width);
    put16(r.height);
    put16(16);  // bitsPerPixel
    put16(0);   // flags: uncompressed
    put16(static_cast<std::uint16_t>(stride * r.height));
    // Uncompressed bitmaps are stored bottom-up ([MS-RDPBCGR 2.2.9.1.1.3.1.2.2]); padding stays zero.
    for (int y = r.height - 1; y >= 0; --y) {
      std::uint8_t* row = p;
      const std::uint16_t* src = r.pixels.data() + static_cast<std::size_t>(y) * r.width;
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(row, src, std::size_t{r.width} * 2);  // RGB565 in host order is the wire order.
      } else {
        for (std::size_t x = 0; x < r.width; ++x) {
          row[2 * x] = static_cast<std::uint8_t>(src[x]);
          row[2 * x + 1] = static_cast<std::uint8_t>(src[x] >> 8);
        }
      }
      p += stride;
    }
  }
  return b;
}

}  // namespace rdpfault::pdu

namespace rdpfault::pdu {

Bytes ClientInfo::encode(std::string_view password) const {
  Bytes p;
  WriteCursor w(p);
  w.u16le(SecFlags::info_pkt);
  w.u16le(0);
  w.u32le(code_page);
  w.u32le(flags | kInfoUnicode);
  auto cb = [](std::string_view s) { return static_cast<std::uint16_t>(2 * s.size()); };
  w.u16le(cb(domain));
  w.u16le(cb(user_name));
  w.u16le(cb(password));
  w.u16le(cb(alternate_shell));
  w.u16le(cb(working_dir));
  for (std::string_view s : {std::string_view(domain), std::string_view(user_name), password,
                             std::string_view(alternate_shell), std::string_view(working_dir)}) {
    for (char ch : s) w.u16le(static_cast<std::uint8_t>(ch));
    w.u16le(0);
  }
  return p;
}

Bytes ConfirmActive::encode(std::uint16_t source) const {
  Bytes caps;
  WriteCursor k(caps);
  k.u16le(1);  // General
  k.u16le(24);
  k.zeros(20);
  k.u16le(2);  // Bitmap
  k.u16le(28);
  k.zeros(24);
  Bytes out;
  WriteCursor w(out);
  const auto desc = source_descriptor.empty() ? std::string("RDPFAULT") : source_descriptor;
  const auto combined = static_cast<std::uint16_t>(4 + caps.size());
  w.u16le(static_cast<std::uint16_t>(6 + 4 + 2 + 2 + 2 + desc.size() + 1 + combined));
  w.u16le(PduType::confirm_active | 0x10);
  w.u16le(source);
  w.u32le(share_id);
  w.u16le(originator_id ? originator_id : 1002);
  w.u16le(static_cast<std::uint16_t>(desc.size() + 1));
  w.u16le(combined);
  for (char ch : desc) w.u8(static_cast<std::uint8_t>(ch));
  w.u8(0);
  w.u16le(2);
  w.u16le(0);
  w.bytes(caps);
  return out;
}

}  // namespace rdpfault::pdu
