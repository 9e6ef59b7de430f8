#pragma once
/// TPKT, X.224 and RDP negotiation PDUs: the framing and the first exchange of every connection.
///
///   TPKT (T.123)        03 00 LL LL                       length includes these 4 bytes
///   X.224 CR/CC         LI code dst-ref:u16 src-ref:u16 class   (LI counts the bytes after it)
///   X.224 Data (DT)     02 f0 80
///   RDP_NEG_REQ/RSP/FAILURE  type:u8 flags:u8 length:u16le(=8) value:u32le
#include <cstdint>
#include <optional>
#include <string>

#include "rdpfault/pdu/cursor.hpp"

namespace rdpfault::pdu {

/// [MS-RDPBCGR 2.2.1.1.1] requestedProtocols / selectedProtocol flags. An open set.
struct Protocols {
  static constexpr std::uint32_t rdp = 0x0;
  static constexpr std::uint32_t ssl = 0x1;
  static constexpr std::uint32_t hybrid = 0x2;
  static constexpr std::uint32_t rdstls = 0x4;
  static constexpr std::uint32_t hybrid_ex = 0x8;
};
std::string protocols_to_string(std::uint32_t flags);  ///< "ssl|hybrid", "rdp" for 0.

/// [MS-RDPBCGR 2.2.1.2.2] RDP_NEG_FAILURE failureCode. An open set: undefined codes stay representable.
struct FailureCode {
  std::uint32_t value = 0;
  static constexpr std::uint32_t ssl_required_by_server = 1;
  static constexpr std::uint32_t ssl_not_allowed_by_server = 2;
  static constexpr std::uint32_t ssl_cert_not_on_server = 3;
  static constexpr std::uint32_t inconsistent_flags = 4;
  static constexpr std::uint32_t hybrid_required_by_server = 5;
  static constexpr std::uint32_t ssl_with_user_auth_required_by_server = 6;
  std::string_view name() const noexcept;  ///< "HYBRID_REQUIRED_BY_SERVER", or "" if undefined.
  bool operator==(const FailureCode&) const = default;
};

/// [T.123 8] TPKT header.
struct TpktHeader {
  static constexpr std::string_view kName = "tpkt";
  static constexpr std::size_t kSize = 1 /* version */ + 1 /* reserved */ + 2 /* length */;
  std::uint16_t length = 0;
};
DecodeResult<TpktHeader> decode_tpkt_header(ReadCursor& c);
/// Wraps `payload` (X.224 TPDU and what follows) in a TPKT header.
Bytes tpkt_wrap(ByteView payload);

/// How many bytes the frame at the start of `buf` has in total, if that is known yet.
/// Recognises TPKT (first byte 0x03) and fast-path (low two bits 00, [MS-RDPBCGR 2.2.8.1.2]).
/// Returns 0 when more bytes are needed to tell; an error for a length no RDP frame can have.
DecodeResult<std::size_t> frame_size(ByteView buf);

/// [MS-RDPBCGR 2.2.1.1] Client X.224 Connection Request PDU (with optional RDP_NEG_REQ,
/// 2.2.1.1.1, and RDP_NEG_CORRELATION_INFO, 2.2.1.1.2). `decode` takes the whole TPKT frame.
struct ConnectionRequest {
  static constexpr std::string_view kName = "x224 connection request";
  std::string cookie;         ///< The value after "Cookie: mstshash=", without CRLF.
  std::string routing_token;  ///< A whole "Cookie: msts=..." line, without CRLF.
  bool has_neg_req = false;
  std::uint8_t neg_flags = 0;
  std::uint32_t requested_protocols = 0;
  bool has_correlation_info = false;

  static DecodeResult<ConnectionRequest> decode(ByteView frame);
  Bytes encode() const;  ///< Whole TPKT frame (used by tests and the bench client).
  bool operator==(const ConnectionRequest&) const = default;
};

/// [MS-RDPBCGR 2.2.1.2] Server X.224 Connection Confirm PDU with RDP_NEG_RSP (2.2.1.2.1),
/// RDP_NEG_FAILURE (2.2.1.2.2), or neither (a legacy reply: Standard RDP Security).
struct ConnectionConfirm {
  static constexpr std::string_view kName = "x224 connection confirm";
  enum class Kind { response, failure, legacy };
  Kind kind = Kind::response;
  std::uint8_t flags = 0;           ///< RDP_NEG_RSP flags (EXTENDED_CLIENT_DATA_SUPPORTED = 0x01 ...).
  std::uint32_t selected_protocol = 0;
  FailureCode failure;

  static DecodeResult<ConnectionConfirm> decode(ByteView frame);
  Bytes encode() const;  ///< Whole TPKT frame.
  bool operator==(const ConnectionConfirm&) const = default;
};

/// [X.224 13.7] Data TPDU header, 02 f0 80. Reads it from `c` and checks it.
bool read_x224_data_header(ReadCursor& c);
void write_x224_data_header(WriteCursor& w);

/// [X.224 13.5] Disconnect Request TPDU, as a whole TPKT frame (for faults).
Bytes encode_x224_disconnect_request();

}  // namespace rdpfault::pdu
