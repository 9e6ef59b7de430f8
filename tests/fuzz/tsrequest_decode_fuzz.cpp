// CredSSP TSRequest and TSCredentials decoders on arbitrary bytes; what decodes must survive
// an encode/decode round trip with the same values.
#include <cstdint>

#include "rdpfault/pdu/credssp.hpp"

using namespace rdpfault::pdu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  if (auto n = der_frame_size(in); n && *n > 0x10000 + 4) __builtin_trap();
  if (auto r = TsRequest::decode(in)) {
    auto again = TsRequest::decode(r->encode());
    if (!again || !(*again == *r)) __builtin_trap();
  }
  (void)TsCredentials::decode(in);
  return 0;
}
