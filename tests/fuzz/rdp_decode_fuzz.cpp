// Slow-path RDP decoders (Client Info, share control, Confirm Active, Control) on arbitrary
// bytes, both raw and as the payload of a Send Data Request.
#include <cstdint>

#include "rdpfault/pdu/mcs.hpp"
#include "rdpfault/pdu/rdp.hpp"

using namespace rdpfault::pdu;

static void payload(ByteView p) {
  (void)ClientInfo::decode(p);
  if (auto pdus = decode_share_control_pdus(p)) {
    for (const auto& s : *pdus) {
      (void)ConfirmActive::decode(s.body);
      (void)ControlPdu::decode(s.body);
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  if (auto sd = SendDataRequest::decode(in)) payload(sd->data);
  payload(in);
  (void)ConfirmActive::decode(in);
  return 0;
}
