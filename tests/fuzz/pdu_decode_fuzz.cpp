// Every PDU decoder on arbitrary bytes: none may crash, hang, or read out of bounds, and a
// successful decode of an encodable PDU must re-encode to a decodable frame.
#include <cstdint>

#include "rdpfault/pdu/mcs.hpp"
#include "rdpfault/pdu/rdp.hpp"
#include "rdpfault/pdu/x224.hpp"

using namespace rdpfault::pdu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  (void)frame_size(in);
  if (auto cr = ConnectionRequest::decode(in)) {
    auto again = ConnectionRequest::decode(cr->encode());
    if (!again || !(*again == *cr)) __builtin_trap();  // Round trip must hold.
  }
  if (auto cc = ConnectionConfirm::decode(in)) {
    auto again = ConnectionConfirm::decode(cc->encode());
    if (!again || !(*again == *cc)) __builtin_trap();
  }
  (void)McsConnectInitial::decode(in);
  (void)peek_domain_pdu(in);
  (void)ErectDomainRequest::decode(in);
  (void)AttachUserRequest::decode(in);
  (void)ChannelJoinRequest::decode(in);
  if (auto sd = SendDataRequest::decode(in)) {
    (void)ClientInfo::decode(sd->data);
    if (auto pdus = decode_share_control_pdus(sd->data)) {
      for (const auto& p : *pdus) {
        (void)ConfirmActive::decode(p.body);
        (void)ControlPdu::decode(p.body);
      }
    }
  }
  (void)ClientInfo::decode(in);
  (void)decode_share_control_pdus(in);
  (void)ConfirmActive::decode(in);
  return 0;
}
