#pragma once
/// T.125 MCS PDUs with the T.124 GCC blocks RDP puts inside them ([MS-RDPBCGR 2.2.1.3–2.2.1.9]).
///
///   Connect-Initial   TPKT | 02 f0 80 | 7f 65 <BER len> | callingDS calledDS upward
///                     target min max (DomainParameters) | 04 <len> GCC CCrq (PER) with client blocks
///   Connect-Response  TPKT | 02 f0 80 | 7f 66 <BER len> | result calledConnectId domainParameters
///                     | 04 <len> GCC CCrsp (PER) with server blocks
///   Domain PDUs (PER) TPKT | 02 f0 80 | choice<<2 ...   (Erect Domain, Attach User, Channel Join,
///                     Send Data Request/Indication, Disconnect Provider Ultimatum)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rdpfault/pdu/cursor.hpp"

namespace rdpfault::pdu {

/// [MS-RDPBCGR 2.2.1.3.2] Client Core Data (TS_UD_CS_CORE). Optional trailing fields are
/// present only if the client sent them (`fields_present` counts them).
struct ClientCoreData {
  std::uint32_t version = 0;
  std::uint16_t desktop_width = 0;
  std::uint16_t desktop_height = 0;
  std::uint16_t color_depth = 0;
  std::uint32_t keyboard_layout = 0;
  std::uint32_t client_build = 0;
  std::string client_name;  ///< From 32 bytes of UTF-16LE, ASCII-folded.
  std::uint32_t keyboard_type = 0;
  std::uint16_t high_color_depth = 0;
  std::uint16_t supported_color_depths = 0;
  std::uint16_t early_capability_flags = 0;
  std::optional<std::uint32_t> server_selected_protocol;
};

/// [MS-RDPBCGR 2.2.1.3.4.1] CHANNEL_DEF.
struct ChannelDef {
  std::string name;  ///< Up to 7 ANSI characters.
  std::uint32_t options = 0;
};

/// [MS-RDPBCGR 2.2.1.3] The client data blocks of a Connect-Initial.
struct ClientData {
  std::optional<ClientCoreData> core;                 ///< CS_CORE 0xC001 (required)
  std::optional<std::uint32_t> encryption_methods;    ///< CS_SECURITY 0xC002
  std::optional<std::uint32_t> ext_encryption_methods;
  std::vector<ChannelDef> channels;                   ///< CS_NET 0xC003
  bool has_net = false;
  std::optional<std::uint32_t> cluster_flags;         ///< CS_CLUSTER 0xC004
  std::uint32_t monitor_count = 0;                    ///< CS_MONITOR 0xC005
  std::optional<std::uint32_t> msgchannel_flags;      ///< CS_MCS_MSGCHANNEL 0xC006
  std::optional<std::uint32_t> monitor_ex_count;      ///< CS_MONITOR_EX 0xC008
  std::optional<std::uint32_t> multitransport_flags;  ///< CS_MULTITRANSPORT 0xC00A
  std::vector<std::uint16_t> unknown_blocks;          ///< Types we do not know, kept for the trace.
};

/// [MS-RDPBCGR 2.2.1.3] MCS Connect Initial PDU with GCC Conference Create Request.
struct McsConnectInitial {
  static constexpr std::string_view kName = "mcs connect-initial";
  ClientData client;
  /// Encoding only: user data blocks appended as given after the ones from `client` (a test's
  /// hostile client, e.g. a second CS_NET block).
  Bytes extra_blocks;
  static DecodeResult<McsConnectInitial> decode(ByteView frame);  ///< Whole TPKT frame.
  /// The client's side, for tests, fuzz seeds and the benchmark's light client: CS_CORE,
  /// CS_CLUSTER, CS_SECURITY and (if has_net) CS_NET from `client`, then `extra_blocks`.
  Bytes encode() const;
};

/// [MS-RDPBCGR 2.2.1.4] MCS Connect Response PDU with GCC Conference Create Response, carrying
/// SC_CORE (2.2.1.4.2), SC_SECURITY (2.2.1.4.3, method and level 0: TLS does the security)
/// and SC_NET (2.2.1.4.4).
struct McsConnectResponse {
  static constexpr std::string_view kName = "mcs connect-response";
  std::uint8_t result = 0;                     ///< rt-successful
  std::uint32_t server_version = 0x00080004;   ///< RDP 5.0+ (rdesktop: low word != 1)
  std::uint32_t client_requested_protocols = 0;
  std::uint32_t early_capability_flags = 0;
  std::uint16_t io_channel = 1003;
  std::vector<std::uint16_t> channel_ids;      ///< One per CS_NET channel, in the client's order.
  std::optional<std::uint16_t> msg_channel;    ///< SC_MCS_MSGCHANNEL, when offered.
  Bytes encode() const;                        ///< Whole TPKT frame.
};

/// Domain MCS PDU choices ([T.125 7] DomainMCSPDU, PER: choice in the top six bits).
enum class DomainPdu : std::uint8_t {
  erect_domain_request = 1,
  disconnect_provider_ultimatum = 8,
  attach_user_request = 10,
  attach_user_confirm = 11,
  channel_join_request = 14,
  channel_join_confirm = 15,
  send_data_request = 25,
  send_data_indication = 26,
};

/// Parses the X.224 data header and returns the domain PDU choice at the cursor (not consumed).
DecodeResult<DomainPdu> peek_domain_pdu(ByteView frame);

/// [MS-RDPBCGR 2.2.1.5] Erect Domain Request. The body is not validated: rdesktop's is not PER.
struct ErectDomainRequest {
  static constexpr std::string_view kName = "mcs erect domain request";
  static DecodeResult<ErectDomainRequest> decode(ByteView frame);
};

/// [MS-RDPBCGR 2.2.1.6] Attach User Request.
struct AttachUserRequest {
  static constexpr std::string_view kName = "mcs attach user request";
  static DecodeResult<AttachUserRequest> decode(ByteView frame);
};

/// [MS-RDPBCGR 2.2.1.7] Attach User Confirm.
struct AttachUserConfirm {
  static constexpr std::string_view kName = "mcs attach user confirm";
  std::uint8_t result = 0;
  std::uint16_t user_id = 1007;
  Bytes encode() const;  ///< Whole TPKT frame.
};

/// [MS-RDPBCGR 2.2.1.8] Channel Join Request.
struct ChannelJoinRequest {
  static constexpr std::string_view kName = "mcs channel join request";
  std::uint16_t user_id = 0;
  std::uint16_t channel_id = 0;
  static DecodeResult<ChannelJoinRequest> decode(ByteView frame);
  Bytes encode() const;
};

/// [MS-RDPBCGR 2.2.1.9] Channel Join Confirm.
struct ChannelJoinConfirm {
  static constexpr std::string_view kName = "mcs channel join confirm";
  std::uint8_t result = 0;
  std::uint16_t user_id = 0;
  std::uint16_t requested = 0;
  std::uint16_t channel_id = 0;
  Bytes encode() const;
};

/// [T.125 11.32] Send Data Request (client to server): the header; `data` views the payload.
struct SendDataRequest {
  static constexpr std::string_view kName = "mcs send data request";
  std::uint16_t initiator = 0;
  std::uint16_t channel_id = 0;
  ByteView data;
  static DecodeResult<SendDataRequest> decode(ByteView frame);
};

/// [T.125 11.32] Send Data Request (client to server) wrapping `payload`, as a whole TPKT frame.
Bytes encode_send_data_request(std::uint16_t initiator, std::uint16_t channel_id, ByteView payload);

/// [MS-RDPBCGR 2.2.1.5] / [2.2.1.6] the client's Erect Domain and Attach User requests.
Bytes encode_erect_domain_request();
Bytes encode_attach_user_request();

/// [T.125 11.33] Send Data Indication (server to client) wrapping `payload`, as a whole TPKT frame.
Bytes encode_send_data_indication(std::uint16_t initiator, std::uint16_t channel_id, ByteView payload);

/// [MS-RDPBCGR 2.2.2.3] / [T.125 11.15] Disconnect Provider Ultimatum, as a whole TPKT frame.
/// reason: 1 rn-provider-initiated, 3 rn-user-requested.
Bytes encode_disconnect_provider_ultimatum(std::uint8_t reason);

// BER / PER helpers, exposed for tests.
namespace ber {
void write_length(WriteCursor& w, std::size_t len);
std::size_t read_length(ReadCursor& c, std::string_view field);
/// Reads a universal tag and its length and checks the tag; returns the length.
std::size_t read_tag(ReadCursor& c, std::uint8_t tag, std::string_view field);
std::uint32_t read_integer(ReadCursor& c, std::string_view field);
}  // namespace ber
namespace per {
void write_length(WriteCursor& w, std::size_t len);
std::size_t read_length(ReadCursor& c, std::string_view field);
}  // namespace per

}  // namespace rdpfault::pdu
