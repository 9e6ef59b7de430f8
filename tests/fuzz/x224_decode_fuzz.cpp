// X.224 decoders and the frame splitter on arbitrary bytes; what decodes must round-trip.
#include <cstdint>

#include "rdpfault/pdu/x224.hpp"

using namespace rdpfault::pdu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  (void)frame_size(in);
  if (auto cr = ConnectionRequest::decode(in)) {
    auto again = ConnectionRequest::decode(cr->encode());
    if (!again || !(*again == *cr)) __builtin_trap();
  }
  if (auto cc = ConnectionConfirm::decode(in)) {
    auto again = ConnectionConfirm::decode(cc->encode());
    if (!again || !(*again == *cc)) __builtin_trap();
  }
  return 0;
}
