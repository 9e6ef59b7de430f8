#include "rdpfault/pdu/mcs.hpp"

#include <algorithm>
#include <cstdio>

#include "rdpfault/pdu/x224.hpp"

namespace rdpfault::pdu {
namespace {

constexpr std::uint16_t kBaseChannel = 1001;  // MCS user ids are sent minus 1001 ([T.125] PER).
constexpr std::uint8_t kT124Oid[] = {0x00, 0x05, 0x00, 0x14, 0x7C, 0x00, 0x01};

std::string hex(unsigned v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", v);
  return b;
}

/// Opens a TPKT + X.224 DT frame and returns the cursor positioned at the MCS PDU.
bool open_data_frame(ReadCursor& c, ByteView frame) {
  auto h = decode_tpkt_header(c);
  if (!h) return false;
  if (!c.check(h->length == frame.size(), "tpkt length", "does not match the frame")) return false;
  return read_x224_data_header(c);
}

Bytes wrap_data(const Bytes& mcs) {
  Bytes tpdu;
  WriteCursor w(tpdu);
  write_x224_data_header(w);
  w.bytes(mcs);
  return tpkt_wrap(tpdu);
}

std::string utf16_to_ascii(ByteView b) {
  std::string s;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
    std::uint16_t ch = static_cast<std::uint16_t>(b[i] | (b[i + 1] << 8));
    if (ch == 0) break;
    s += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : '?';
  }
  return s;
}

void read_client_core(ReadCursor& c, ClientCoreData& core) {
  core.version = c.u32le("CS_CORE.version");
  core.desktop_width = c.u16le("CS_CORE.desktopWidth");
  core.desktop_height = c.u16le("CS_CORE.desktopHeight");
  core.color_depth = c.u16le("CS_CORE.colorDepth");
  c.u16le("CS_CORE.SASSequence");
  core.keyboard_layout = c.u32le("CS_CORE.keyboardLayout");
  core.client_build = c.u32le("CS_CORE.clientBuild");
  core.client_name = utf16_to_ascii(c.bytes(32, "CS_CORE.clientName"));
  core.keyboard_type = c.u32le("CS_CORE.keyboardType");
  c.u32le("CS_CORE.keyboardSubType");
  c.u32le("CS_CORE.keyboardFunctionKey");
  c.skip(64, "CS_CORE.imeFileName");
  c.check(core.desktop_width >= 200 && core.desktop_width <= 32766, "CS_CORE.desktopWidth",
          "width " + std::to_string(core.desktop_width) + " outside 200..32766");
  c.check(core.desktop_height >= 200 && core.desktop_height <= 32766, "CS_CORE.desktopHeight",
          "height " + std::to_string(core.desktop_height) + " outside 200..32766");
  // Optional fields: each is present only if every field before it is.
  if (c.remaining() < 2) return;
  c.u16le("CS_CORE.postBeta2ColorDepth");
  if (c.remaining() < 2) return;
  c.u16le("CS_CORE.clientProductId");
  if (c.remaining() < 4) return;
  c.u32le("CS_CORE.serialNumber");
  if (c.remaining() < 2) return;
  core.high_color_depth = c.u16le("CS_CORE.highColorDepth");
  if (c.remaining() < 2) return;
  core.supported_color_depths = c.u16le("CS_CORE.supportedColorDepths");
  if (c.remaining() < 2) return;
  core.early_capability_flags = c.u16le("CS_CORE.earlyCapabilityFlags");
  if (c.remaining() < 64) return;
  c.skip(64, "CS_CORE.clientDigProductId");
  if (c.remaining() < 1) return;
  c.u8("CS_CORE.connectionType");
  if (c.remaining() < 1) return;
  c.u8("CS_CORE.pad1octet");
  if (c.remaining() < 4) return;
  core.server_selected_protocol = c.u32le("CS_CORE.serverSelectedProtocol");
  // desktopPhysicalWidth/Height, orientation, scale factors: not needed; the block length bounds them.
}

void read_client_blocks(ReadCursor& c, ClientData& d) {
  while (!c.failed() && c.remaining() > 0) {
    const std::uint16_t type = c.u16le("TS_UD_HEADER.type");
    const std::uint16_t len = c.u16le("TS_UD_HEADER.length");
    if (!c.check(len >= 4, "TS_UD_HEADER.length", "block length " + std::to_string(len) + " is below 4")) return;
    auto body = c.bytes(len - 4u, "TS_UD_HEADER.length");
    if (c.failed()) return;
    ReadCursor b(body, c.pdu());
    switch (type) {
      case 0xC001: {
        ClientCoreData core;
        read_client_core(b, core);
        d.core = core;
        break;
      }
      case 0xC002:
        d.encryption_methods = b.u32le("CS_SECURITY.encryptionMethods");
        d.ext_encryption_methods = b.u32le("CS_SECURITY.extEncryptionMethods");
        break;
      case 0xC003: {
        // One CS_NET, at most 31 channels in all ([MS-RDPBCGR 2.2.1.3.4]): a second block must
        // not add 31 more.
        b.check(!d.has_net, "CS_NET", "a second CS_NET block");
        d.has_net = true;
        auto count = b.u32le("CS_NET.channelCount");
        b.check(count <= 31, "CS_NET.channelCount", std::to_string(count) + " channels, the maximum is 31");
        for (std::uint32_t i = 0; i < count && !b.failed(); ++i) {
          auto name = b.bytes(8, "CS_NET.channelDefArray.name");
          ChannelDef def;
          for (auto ch : name) {
            if (ch == 0) break;
            def.name += (ch >= 0x20 && ch < 0x7F) ? static_cast<char>(ch) : '?';
          }
          def.options = b.u32le("CS_NET.channelDefArray.options");
          d.channels.push_back(std::move(def));
        }
        break;
      }
      case 0xC004:
        d.cluster_flags = b.u32le("CS_CLUSTER.Flags");
        break;
      case 0xC005:
        b.u32le("CS_MONITOR.flags");
        d.monitor_count = b.u32le("CS_MONITOR.monitorCount");
        b.check(d.monitor_count >= 1 && d.monitor_count <= 16, "CS_MONITOR.monitorCount",
                std::to_string(d.monitor_count) + " outside 1..16");
        b.skip(std::size_t{d.monitor_count} * 20, "CS_MONITOR.monitorDefArray");
        break;
      case 0xC006:
        d.msgchannel_flags = b.u32le("CS_MCS_MSGCHANNEL.flags");
        break;
      case 0xC008:
        b.u32le("CS_MONITOR_EX.flags");
        b.u32le("CS_MONITOR_EX.monitorAttributeSize");
        d.monitor_ex_count = b.u32le("CS_MONITOR_EX.monitorCount");
        break;
      case 0xC00A:
        d.multitransport_flags = b.u32le("CS_MULTITRANSPORT.flags");
        break;
      default:
        d.unknown_blocks.push_back(type);
        break;
    }
    if (b.failed()) {
      c.fail(b.error()->code, b.error()->field, b.error()->reason);
      return;
    }
  }
}

}  // namespace

namespace ber {
void write_length(WriteCursor& w, std::size_t len) {
  if (len < 0x80) {
    w.u8(static_cast<std::uint8_t>(len));
  } else if (len <= 0xFF) {
    w.u8(0x81);
    w.u8(static_cast<std::uint8_t>(len));
  } else {
    w.u8(0x82);
    w.u16be(static_cast<std::uint16_t>(len));
  }
}
std::size_t read_length(ReadCursor& c, std::string_view field) {
  auto b = c.u8(field);
  if (b < 0x80) return b;
  if (b == 0x81) return c.u8(field);
  if (b == 0x82) return c.u16be(field);
  c.check(false, field, "BER length form " + hex(b) + " is not supported");
  return 0;
}
std::size_t read_tag(ReadCursor& c, std::uint8_t tag, std::string_view field) {
  auto t = c.u8(field);
  if (!c.failed() && t != tag) {
    c.fail(PduErrc::invalid_field, field, "expected BER tag " + hex(tag) + ", got " + hex(t));
    return 0;
  }
  return read_length(c, field);
}
std::uint32_t read_integer(ReadCursor& c, std::string_view field) {
  auto len = read_tag(c, 0x02, field);
  if (!c.check(len >= 1 && len <= 4, field, "INTEGER of " + std::to_string(len) + " bytes")) return 0;
  std::uint32_t v = 0;
  for (auto b : c.bytes(len, field)) v = (v << 8) | b;
  return v;
}
}  // namespace ber

namespace per {
void write_length(WriteCursor& w, std::size_t len) {
  if (len < 0x80) {
    w.u8(static_cast<std::uint8_t>(len));
  } else {
    w.u16be(static_cast<std::uint16_t>(0x8000 | len));
  }
}
std::size_t read_length(ReadCursor& c, std::string_view field) {
  auto b = c.u8(field);
  if (b & 0x80) return ((b & 0x7Fu) << 8) | c.u8(field);
  return b;
}
}  // namespace per

DecodeResult<McsConnectInitial> McsConnectInitial::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  if (!open_data_frame(c, frame)) return c.take_error();
  auto t0 = c.u8("tag");
  auto t1 = c.u8("tag");
  if (!c.failed() && (t0 != 0x7F || t1 != 0x65)) {
    c.fail(PduErrc::unexpected_type, "tag", "expected 7f 65 (Connect-Initial), got " + hex(t0) + " " + hex(t1));
  }
  auto len = ber::read_length(c, "length");
  c.check(len == c.remaining(), "length",
          "BER length " + std::to_string(len) + " but " + std::to_string(c.remaining()) + " bytes follow");
  c.skip(ber::read_tag(c, 0x04, "callingDomainSelector"), "callingDomainSelector");
  c.skip(ber::read_tag(c, 0x04, "calledDomainSelector"), "calledDomainSelector");
  c.skip(ber::read_tag(c, 0x01, "upwardFlag"), "upwardFlag");
  for (auto field : {"targetParameters", "minimumParameters", "maximumParameters"}) {
    auto plen = ber::read_tag(c, 0x30, field);
    auto body = c.bytes(plen, field);
    ReadCursor p(body, kName);
    for (int i = 0; i < 8 && !p.failed(); ++i) ber::read_integer(p, field);
    p.expect_end();
    if (p.failed()) c.fail(p.error()->code, field, p.error()->reason);
  }
  auto ulen = ber::read_tag(c, 0x04, "userData");
  c.check(ulen == c.remaining(), "userData", "length does not match the bytes that follow");
  if (c.failed()) return c.take_error();

  // GCC Conference Create Request ([T.124], [MS-RDPBCGR 2.2.1.3]), PER encoded.
  c.set_pdu("gcc conference create request");
  auto oid = c.bytes(sizeof kT124Oid, "t124Identifier");
  c.check(c.failed() || std::equal(oid.begin(), oid.end(), std::begin(kT124Oid)), "t124Identifier",
          "not the T.124 OID 0.0.20.124.0.1");
  auto connect_len = per::read_length(c, "connectPDU length");
  c.check(connect_len == c.remaining(), "connectPDU length", "does not match the bytes that follow");
  auto choice = c.u8("ConnectGCCPDU choice");
  c.check(choice == 0x00, "ConnectGCCPDU choice", "expected conferenceCreateRequest (0x00), got " + hex(choice));
  c.u8("ConferenceCreateRequest options");
  c.skip(2, "conferenceName");
  c.u8("terminationMethod");
  auto sets = c.u8("userData set count");
  c.check(sets == 1, "userData set count", "expected 1, got " + std::to_string(sets));
  auto key_choice = c.u8("userData key choice");
  c.check(key_choice == 0xC0, "userData key choice", "expected 0xc0 (h221NonStandard), got " + hex(key_choice));
  auto key_len = c.u8("h221NonStandard length");
  c.check(key_len == 0, "h221NonStandard length", "expected 0 (4 bytes), got " + std::to_string(key_len));
  auto key = c.bytes(4, "h221NonStandard key");
  c.check(c.failed() || std::string_view(reinterpret_cast<const char*>(key.data()), 4) == "Duca",
          "h221NonStandard key", "expected \"Duca\"");
  auto blocks_len = per::read_length(c, "userData length");
  c.check(blocks_len == c.remaining(), "userData length",
          "PER length " + std::to_string(blocks_len) + " but " + std::to_string(c.remaining()) + " bytes follow");
  if (c.failed()) return c.take_error();

  c.set_pdu("gcc client data");
  McsConnectInitial ci;
  read_client_blocks(c, ci.client);
  if (!c.failed() && !ci.client.core) c.fail(PduErrc::invalid_field, "CS_CORE", "required block is missing");
  if (c.failed()) return c.take_error();
  return ci;
}

Bytes McsConnectResponse::encode() const {
  // Server data blocks.
  Bytes blocks;
  WriteCursor b(blocks);
  b.u16le(0x0C01);  // SC_CORE
  b.u16le(16);
  b.u32le(server_version);
  b.u32le(client_requested_protocols);
  b.u32le(early_capability_flags);
  b.u16le(0x0C02);  // SC_SECURITY: encryptionMethod 0, encryptionLevel 0
  b.u16le(12);
  b.u32le(0);
  b.u32le(0);
  const bool pad = channel_ids.size() % 2 == 1;
  b.u16le(0x0C03);  // SC_NET
  b.u16le(static_cast<std::uint16_t>(8 + 2 * channel_ids.size() + (pad ? 2 : 0)));
  b.u16le(io_channel);
  b.u16le(static_cast<std::uint16_t>(channel_ids.size()));
  for (auto id : channel_ids) b.u16le(id);
  if (pad) b.u16le(0);  // Mandatory when the count is odd (FreeRDP fails without it).
  if (msg_channel) {
    b.u16le(0x0C04);  // SC_MCS_MSGCHANNEL
    b.u16le(6);
    b.u16le(*msg_channel);
  }

  // GCC Conference Create Response.
  Bytes ccr;
  WriteCursor g(ccr);
  const std::uint8_t body_head[] = {0x14, 0x76, 0x0A, 0x01, 0x01, 0x00, 0x01, 0xC0, 0x00, 'M', 'c', 'D', 'n'};
  Bytes connect_pdu(std::begin(body_head), std::end(body_head));
  {
    WriteCursor cp(connect_pdu);
    per::write_length(cp, blocks.size());
    cp.bytes(blocks);
  }
  g.bytes(kT124Oid);
  per::write_length(g, connect_pdu.size());
  g.bytes(connect_pdu);

  // BER Connect-Response.
  Bytes body;
  WriteCursor m(body);
  const std::uint8_t head[] = {
      0x0A, 0x01, result,                                          // result (ENUMERATED)
      0x02, 0x01, 0x00,                                            // calledConnectId
      0x30, 0x1A, 0x02, 0x01, 0x22, 0x02, 0x01, 0x03, 0x02, 0x01,  // domainParameters:
      0x00, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01,  //   34,3,0,1,0,1,65528,2
      0x02, 0x03, 0x00, 0xFF, 0xF8, 0x02, 0x01, 0x02};
  m.bytes(head);
  m.u8(0x04);
  ber::write_length(m, ccr.size());
  m.bytes(ccr);

  Bytes mcs;
  WriteCursor o(mcs);
  o.u8(0x7F);
  o.u8(0x66);
  ber::write_length(o, body.size());
  o.bytes(body);
  return wrap_data(mcs);
}

DecodeResult<DomainPdu> peek_domain_pdu(ByteView frame) {
  ReadCursor c(frame, "mcs domain pdu");
  if (!open_data_frame(c, frame)) return c.take_error();
  auto b = c.u8("choice");
  if (c.failed()) return c.take_error();
  return static_cast<DomainPdu>(b >> 2);
}

namespace {
/// Opens a domain PDU and checks its choice.
bool open_domain(ReadCursor& c, ByteView frame, DomainPdu expected, std::uint8_t& first) {
  if (!open_data_frame(c, frame)) return false;
  first = c.u8("choice");
  if (!c.failed() && static_cast<DomainPdu>(first >> 2) != expected) {
    c.fail(PduErrc::unexpected_type, "choice",
           "expected choice " + std::to_string(static_cast<int>(expected)) + ", got " + std::to_string(first >> 2));
  }
  return !c.failed();
}
}  // namespace

DecodeResult<ErectDomainRequest> ErectDomainRequest::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  std::uint8_t first = 0;
  if (!open_domain(c, frame, DomainPdu::erect_domain_request, first)) return c.take_error();
  return ErectDomainRequest{};
}

DecodeResult<AttachUserRequest> AttachUserRequest::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  std::uint8_t first = 0;
  if (!open_domain(c, frame, DomainPdu::attach_user_request, first)) return c.take_error();
  c.expect_end();
  if (c.failed()) return c.take_error();
  return AttachUserRequest{};
}

Bytes AttachUserConfirm::encode() const {
  Bytes mcs;
  WriteCursor w(mcs);
  w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(DomainPdu::attach_user_confirm) << 2 | 0x02));
  w.u8(result);
  w.u16be(static_cast<std::uint16_t>(user_id - kBaseChannel));
  return wrap_data(mcs);
}

DecodeResult<ChannelJoinRequest> ChannelJoinRequest::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  std::uint8_t first = 0;
  if (!open_domain(c, frame, DomainPdu::channel_join_request, first)) return c.take_error();
  ChannelJoinRequest r;
  r.user_id = static_cast<std::uint16_t>(c.u16be("initiator") + kBaseChannel);
  r.channel_id = c.u16be("channelId");
  c.expect_end();
  if (c.failed()) return c.take_error();
  return r;
}

Bytes ChannelJoinRequest::encode() const {
  Bytes mcs;
  WriteCursor w(mcs);
  w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(DomainPdu::channel_join_request) << 2));
  w.u16be(static_cast<std::uint16_t>(user_id - kBaseChannel));
  w.u16be(channel_id);
  return wrap_data(mcs);
}

Bytes ChannelJoinConfirm::encode() const {
  Bytes mcs;
  WriteCursor w(mcs);
  w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(DomainPdu::channel_join_confirm) << 2 | 0x02));
  w.u8(result);
  w.u16be(static_cast<std::uint16_t>(user_id - kBaseChannel));
  w.u16be(requested);
  w.u16be(channel_id);
  return wrap_data(mcs);
}

DecodeResult<SendDataRequest> SendDataRequest::decode(ByteView frame) {
  ReadCursor c(frame, kName);
  std::uint8_t first = 0;
  if (!open_domain(c, frame, DomainPdu::send_data_request, first)) return c.take_error();
  SendDataRequest r;
  r.initiator = static_cast<std::uint16_t>(c.u16be("initiator") + kBaseChannel);
  r.channel_id = c.u16be("channelId");
  c.u8("dataPriority");
  auto len = per::read_length(c, "userData length");
  c.check(len == c.remaining(), "userData length",
          "PER length " + std::to_string(len) + " but " + std::to_string(c.remaining()) + " bytes follow");
  r.data = c.rest();
  if (c.failed()) return c.take_error();
  return r;
}

Bytes encode_send_data_indication(std::uint16_t initiator, std::uint16_t channel_id, ByteView payload) {
  Bytes mcs;
  mcs.reserve(payload.size() + 8);
  WriteCursor w(mcs);
  w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(DomainPdu::send_data_indication) << 2));
  w.u16be(static_cast<std::uint16_t>(initiator - kBaseChannel));
  w.u16be(channel_id);
  w.u8(0x70);  // dataPriority high, segmentation begin|end
  w.u16be(static_cast<std::uint16_t>(0x8000 | payload.size()));  // Two-byte PER length, as FreeRDP and Windows write it.
  w.bytes(payload);
  return wrap_data(mcs);
}

Bytes encode_disconnect_provider_ultimatum(std::uint8_t reason) {
  Bytes mcs;
  WriteCursor w(mcs);
  w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(DomainPdu::disconnect_provider_ultimatum) << 2 | (reason >> 1)));
  w.u8(static_cast<std::uint8_t>((reason & 1) << 7));
  return wrap_data(mcs);
}

}  // namespace rdpfault::pdu

namespace rdpfault::pdu {

Bytes McsConnectInitial::encode() const {
  Bytes blocks;
  WriteCursor b(blocks);
  const ClientCoreData core = client.core.value_or(ClientCoreData{});
  const std::size_t core_start = b.mark();
  b.u16le(0xC001);
  b.u16le(0);  // length, patched
  b.u32le(core.version ? core.version : 0x00080004);
  b.u16le(core.desktop_width ? core.desktop_width : 1024);
  b.u16le(core.desktop_height ? core.desktop_height : 768);
  b.u16le(0xCA01);  // colorDepth: RNS_UD_COLOR_8BPP (superseded by highColorDepth)
  b.u16le(0xAA03);  // SASSequence
  b.u32le(core.keyboard_layout ? core.keyboard_layout : 0x409);
  b.u32le(core.client_build);
  for (std::size_t i = 0; i < 16; ++i) b.u16le(i < core.client_name.size() && i < 15 ? static_cast<std::uint8_t>(core.client_name[i]) : 0);
  b.u32le(core.keyboard_type ? core.keyboard_type : 4);
  b.u32le(0);   // keyboardSubType
  b.u32le(12);  // keyboardFunctionKey
  b.zeros(64);  // imeFileName
  b.u16le(0xCA01);  // postBeta2ColorDepth
  b.u16le(1);       // clientProductId
  b.u32le(0);       // serialNumber
  b.u16le(core.high_color_depth ? core.high_color_depth : 16);
  b.u16le(core.supported_color_depths ? core.supported_color_depths : 0x000F);
  b.u16le(core.early_capability_flags);
  b.zeros(64);  // clientDigProductId
  b.u8(0);      // connectionType
  b.u8(0);      // pad1octet
  b.u32le(core.server_selected_protocol.value_or(0));
  b.patch_u16le(core_start + 2, static_cast<std::uint16_t>(b.mark() - core_start));
  b.u16le(0xC004);  // CS_CLUSTER
  b.u16le(12);
  b.u32le(client.cluster_flags.value_or(0x0D));
  b.u32le(0);
  b.u16le(0xC002);  // CS_SECURITY
  b.u16le(12);
  b.u32le(client.encryption_methods.value_or(0));
  b.u32le(client.ext_encryption_methods.value_or(0));
  if (client.has_net) {
    b.u16le(0xC003);
    b.u16le(static_cast<std::uint16_t>(8 + 12 * client.channels.size()));
    b.u32le(static_cast<std::uint32_t>(client.channels.size()));
    for (const auto& ch : client.channels) {
      for (std::size_t i = 0; i < 8; ++i) b.u8(i < ch.name.size() && i < 7 ? static_cast<std::uint8_t>(ch.name[i]) : 0);
      b.u32le(ch.options);
    }
  }
  b.bytes(extra_blocks);

  Bytes gcc;
  WriteCursor g(gcc);
  g.bytes(kT124Oid);
  const std::uint8_t head[] = {0x00, 0x08, 0x00, 0x10, 0x00, 0x01, 0xC0, 0x00, 'D', 'u', 'c', 'a'};
  Bytes connect_pdu(std::begin(head), std::end(head));
  {
    WriteCursor cp(connect_pdu);
    per::write_length(cp, blocks.size());
    cp.bytes(blocks);
  }
  per::write_length(g, connect_pdu.size());
  g.bytes(connect_pdu);

  auto domain_params = [](WriteCursor& w, std::initializer_list<std::uint32_t> values) {
    Bytes seq;
    WriteCursor s(seq);
    for (auto v : values) {
      s.u8(0x02);
      if (v <= 0x7F) {
        s.u8(1);
        s.u8(static_cast<std::uint8_t>(v));
      } else if (v <= 0x7FFF) {
        s.u8(2);
        s.u16be(static_cast<std::uint16_t>(v));
      } else {
        s.u8(3);
        s.u8(static_cast<std::uint8_t>(v >> 16));
        s.u16be(static_cast<std::uint16_t>(v));
      }
    }
    w.u8(0x30);
    ber::write_length(w, seq.size());
    w.bytes(seq);
  };
  Bytes body;
  WriteCursor m(body);
  const std::uint8_t selectors[] = {0x04, 0x01, 0x01, 0x04, 0x01, 0x01, 0x01, 0x01, 0xFF};
  m.bytes(selectors);
  domain_params(m, {34, 2, 0, 1, 0, 1, 0xFFFF, 2});
  domain_params(m, {1, 1, 1, 1, 0, 1, 0x420, 2});
  domain_params(m, {0xFFFF, 0xFC17, 0xFFFF, 1, 0, 1, 0xFFFF, 2});
  m.u8(0x04);
  ber::write_length(m, gcc.size());
  m.bytes(gcc);
  Bytes mcs;
  WriteCursor o(mcs);
  o.u8(0x7F);
  o.u8(0x65);
  ber::write_length(o, body.size());
  o.bytes(body);
  return wrap_data(mcs);
}

Bytes encode_send_data_request(std::uint16_t initiator, std::uint16_t channel_id, ByteView payload) {
  Bytes mcs;
  WriteCursor w(mcs);
  w.u8(static_cast<std::uint8_t>(static_cast<unsigned>(DomainPdu::send_data_request) << 2));
  w.u16be(static_cast<std::uint16_t>(initiator - kBaseChannel));
  w.u16be(channel_id);
  w.u8(0x70);
  w.u16be(static_cast<std::uint16_t>(0x8000 | payload.size()));
  w.bytes(payload);
  return wrap_data(mcs);
}

Bytes encode_erect_domain_request() {
  const Bytes mcs = {0x04, 0x01, 0x00, 0x01, 0x00};
  return wrap_data(mcs);
}

Bytes encode_attach_user_request() {
  const Bytes mcs = {0x28};
  return wrap_data(mcs);
}

}  // namespace rdpfault::pdu
