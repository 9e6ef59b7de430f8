#pragma once
/// Slow-path RDP PDUs carried in MCS Send Data: security header, Client Info, licensing,
/// capability exchange, finalization and the few updates the fake server sends.
///
///   Share Control Header  totalLength:u16 pduType:u16 (type | 0x10) pduSource:u16
///   Share Data Header     shareId:u32 pad1:u8 streamId:u8 uncompressedLength:u16
///                         pduType2:u8 compressedType:u8 compressedLength:u16
/// All little-endian. Under TLS (Enhanced RDP Security) only Client Info and license PDUs
/// carry a basic security header; Demand Active and Data PDUs carry none.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rdpfault/pdu/cursor.hpp"

namespace rdpfault::pdu {

/// [MS-RDPBCGR 2.2.8.1.1.2.1] Basic security header flags (an open set).
struct SecFlags {
  static constexpr std::uint16_t exchange_pkt = 0x0001;
  static constexpr std::uint16_t encrypt = 0x0008;
  static constexpr std::uint16_t info_pkt = 0x0040;
  static constexpr std::uint16_t license_pkt = 0x0080;
  static constexpr std::uint16_t license_encrypt_cs = 0x0200;
  static constexpr std::uint16_t autodetect_req = 0x1000;
  static constexpr std::uint16_t heartbeat = 0x4000;
};

/// [MS-RDPBCGR 2.2.1.11] Client Info PDU (TS_INFO_PACKET, 2.2.1.11.1.1). The password is
/// skipped, never stored: nothing can log what this struct does not hold.
struct ClientInfo {
  static constexpr std::string_view kName = "client info";
  std::uint32_t code_page = 0;
  std::uint32_t flags = 0;
  std::string domain;
  std::string user_name;
  bool password_present = false;  ///< cbPassword > 0 (the password itself is not kept).
  std::string alternate_shell;
  std::string working_dir;
  /// Decodes the payload of the client's Send Data Request (security header included).
  static DecodeResult<ClientInfo> decode(ByteView payload);
  /// The client's side (tests, light client): Unicode strings, `password` written but never kept.
  Bytes encode(std::string_view password = {}) const;
};

/// [MS-RDPELE 2.2.2.7] / [MS-RDPBCGR 2.2.1.12.1.3] License Error Message. With
/// error_code 7 (STATUS_VALID_CLIENT) and ST_NO_TRANSITION it ends licensing successfully.
struct LicenseErrorMessage {
  static constexpr std::string_view kName = "license error alert";
  static constexpr std::uint32_t kStatusValidClient = 0x07;
  static constexpr std::uint32_t kNoTransition = 0x02;
  static constexpr std::uint32_t kTotalAbort = 0x01;
  std::uint32_t error_code = kStatusValidClient;
  std::uint32_t state_transition = kNoTransition;
  Bytes encode() const;  ///< Payload for a Send Data Indication: security header included.
};

/// [MS-RDPBCGR 2.2.8.1.1.1.1] pduType values (without the 0x10 version bits).
struct PduType {
  static constexpr std::uint16_t demand_active = 0x1;
  static constexpr std::uint16_t confirm_active = 0x3;
  static constexpr std::uint16_t deactivate_all = 0x6;
  static constexpr std::uint16_t data = 0x7;
  static constexpr std::uint16_t server_redirect = 0xA;
};

/// [MS-RDPBCGR 2.2.8.1.1.1.2] pduType2 values used here (an open set).
struct PduType2 {
  static constexpr std::uint8_t update = 0x02;
  static constexpr std::uint8_t control = 0x14;
  static constexpr std::uint8_t pointer = 0x1B;
  static constexpr std::uint8_t input = 0x1C;
  static constexpr std::uint8_t synchronize = 0x1F;
  static constexpr std::uint8_t refresh_rect = 0x21;
  static constexpr std::uint8_t play_sound = 0x22;
  static constexpr std::uint8_t suppress_output = 0x23;
  static constexpr std::uint8_t shutdown_request = 0x24;
  static constexpr std::uint8_t shutdown_denied = 0x25;
  static constexpr std::uint8_t save_session_info = 0x26;
  static constexpr std::uint8_t font_list = 0x27;
  static constexpr std::uint8_t font_map = 0x28;
  static constexpr std::uint8_t persistent_key_list = 0x2B;
  static constexpr std::uint8_t set_error_info = 0x2F;
};
std::string_view pdu_type2_name(std::uint8_t t) noexcept;

/// [MS-RDPBCGR 2.2.8.1.1.1.1] A client share-control PDU, as the server sees it.
struct ShareControlPdu {
  std::uint16_t pdu_type = 0;   ///< Without the version bits.
  std::uint16_t source = 0;
  // For Data PDUs (pdu_type == 7): the Share Data Header.
  std::uint32_t share_id = 0;
  std::uint8_t pdu_type2 = 0;
  ByteView body;  ///< After the share control header, or after the share data header for data PDUs.
};

/// Splits a Send Data Request payload into the share-control PDUs it carries (a client may
/// pack several). Fails on a totalLength that does not fit.
DecodeResult<std::vector<ShareControlPdu>> decode_share_control_pdus(ByteView payload);

/// [MS-RDPBCGR 2.2.1.13.2] Confirm Active PDU (the body after the share control header).
struct ConfirmActive {
  static constexpr std::string_view kName = "confirm active";
  std::uint32_t share_id = 0;
  std::uint16_t originator_id = 0;
  std::string source_descriptor;
  std::vector<std::uint16_t> capability_types;
  static DecodeResult<ConfirmActive> decode(ByteView body);
  /// The client's side (tests, light client): a whole share-control PDU with General and
  /// Bitmap capability sets.
  Bytes encode(std::uint16_t source) const;
};

/// [MS-RDPBCGR 2.2.1.13.1] Demand Active PDU with the capability sets of section 2.2.7:
/// General, Bitmap, Order, Pointer, Input, Virtual Channel, Share, Font — all server-side sets
/// that FreeRDP 2.11 and rdesktop 1.9 accept.
struct DemandActive {
  static constexpr std::string_view kName = "demand active";
  std::uint32_t share_id = 0x000103EA;
  std::uint16_t source = 1002;
  std::uint16_t desktop_width = 1024;
  std::uint16_t desktop_height = 768;
  std::uint16_t bits_per_pixel = 16;
  Bytes encode() const;  ///< Payload for a Send Data Indication on the I/O channel.
};

/// Wraps a data PDU body in Share Control + Share Data headers ([MS-RDPBCGR 2.2.8.1.1.1.2]).
Bytes encode_data_pdu(std::uint8_t pdu_type2, ByteView body, std::uint32_t share_id, std::uint16_t source);

/// [MS-RDPBCGR 2.2.1.14] / [2.2.1.19] Synchronize PDU body.
Bytes synchronize_body(std::uint16_t target_user);
/// [MS-RDPBCGR 2.2.1.15] / [2.2.1.20] / [2.2.1.21] Control PDU body. action: 1 request,
/// 2 granted, 3 detach, 4 cooperate.
Bytes control_body(std::uint16_t action, std::uint16_t grant_id, std::uint32_t control_id);
/// [MS-RDPBCGR 2.2.1.22] Font Map PDU body.
Bytes font_map_body();
/// [MS-RDPBCGR 2.2.5.1] Set Error Info PDU body.
Bytes set_error_info_body(std::uint32_t error_info);

/// [MS-RDPBCGR 2.2.1.15.1] Control PDU Data as the client sends it.
struct ControlPdu {
  static constexpr std::string_view kName = "control";
  std::uint16_t action = 0;
  std::uint16_t grant_id = 0;
  std::uint32_t control_id = 0;
  static DecodeResult<ControlPdu> decode(ByteView body);
};

/// [MS-RDPBCGR 2.2.9.1.1.3.1.2] Bitmap Update with uncompressed 16-bpp rectangles; each
/// tile is at most 64x64 pixels so a PDU stays far below the TPKT limit.
struct BitmapRect {
  std::uint16_t left = 0, top = 0, width = 64, height = 64;
  std::vector<std::uint16_t> pixels;  ///< RGB565, row-major top-down, width*height entries.
};
Bytes bitmap_update_body(const std::vector<BitmapRect>& rects);

}  // namespace rdpfault::pdu
