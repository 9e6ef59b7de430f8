// MCS (BER/PER) and GCC decoders on arbitrary bytes.
#include <cstdint>

#include "rdpfault/pdu/mcs.hpp"

using namespace rdpfault::pdu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  (void)McsConnectInitial::decode(in);
  (void)peek_domain_pdu(in);
  (void)ErectDomainRequest::decode(in);
  (void)AttachUserRequest::decode(in);
  if (auto j = ChannelJoinRequest::decode(in)) {
    auto again = ChannelJoinRequest::decode(j->encode());
    if (!again || again->channel_id != j->channel_id || again->user_id != j->user_id) __builtin_trap();
  }
  (void)SendDataRequest::decode(in);
  return 0;
}
