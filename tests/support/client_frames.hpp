#pragma once
// The frames a well-behaved TLS client sends, built with the project's own encoders. Used by
// the acceptor tests, the fuzz seeds and the benchmark's light client.
#include <string>
#include <vector>

#include "rdpfault/pdu/mcs.hpp"
#include "rdpfault/pdu/rdp.hpp"
#include "rdpfault/pdu/x224.hpp"

namespace rdpfault::test {

struct ClientFrames {
  std::uint32_t requested = pdu::Protocols::ssl;
  std::uint32_t selected = pdu::Protocols::ssl;
  std::vector<std::string> channels = {"cliprdr", "rdpsnd"};
  std::uint16_t user_id = 1007;
  std::uint32_t share_id = 0x000103EA;

  pdu::Bytes connection_request() const {
    pdu::ConnectionRequest cr;
    cr.cookie = "tester";
    cr.has_neg_req = true;
    cr.requested_protocols = requested;
    return cr.encode();
  }
  pdu::Bytes connect_initial() const {
    pdu::McsConnectInitial ci;
    pdu::ClientCoreData core;
    core.client_name = "lightclient";
    core.server_selected_protocol = selected;
    core.early_capability_flags = 0x0001;
    ci.client.core = core;
    ci.client.has_net = true;
    for (const auto& c : channels) ci.client.channels.push_back({c, 0x80800000});
    return ci.encode();
  }
  std::vector<std::uint16_t> joins() const {
    std::vector<std::uint16_t> ids = {user_id, 1003};
    for (std::size_t i = 0; i < channels.size(); ++i) ids.push_back(static_cast<std::uint16_t>(1004 + i));
    return ids;
  }
  pdu::Bytes join(std::uint16_t channel) const { return pdu::ChannelJoinRequest{user_id, channel}.encode(); }
  pdu::Bytes client_info() const {
    pdu::ClientInfo info;
    info.user_name = "tester";
    info.flags = 0x00000033;  // INFO_MOUSE | INFO_DISABLECTRLALTDEL | INFO_UNICODE | INFO_AUTOLOGON-less
    return pdu::encode_send_data_request(user_id, 1003, info.encode());
  }
  pdu::Bytes confirm_active() const {
    pdu::ConfirmActive ca;
    ca.share_id = share_id;
    return pdu::encode_send_data_request(user_id, 1003, ca.encode(user_id));
  }
  pdu::Bytes data(std::uint8_t type2, const pdu::Bytes& body) const {
    return pdu::encode_send_data_request(user_id, 1003, pdu::encode_data_pdu(type2, body, share_id, user_id));
  }
  pdu::Bytes synchronize() const { return data(pdu::PduType2::synchronize, pdu::synchronize_body(1002)); }
  pdu::Bytes cooperate() const { return data(pdu::PduType2::control, pdu::control_body(4, 0, 0)); }
  pdu::Bytes request_control() const { return data(pdu::PduType2::control, pdu::control_body(1, 0, 0)); }
  pdu::Bytes font_list() const {
    const pdu::Bytes body = {0, 0, 0, 0, 3, 0, 0x32, 0};
    return data(pdu::PduType2::font_list, body);
  }
};

}  // namespace rdpfault::test
