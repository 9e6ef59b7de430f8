// The acceptor fed an arbitrary byte stream, split into frames the way the session splits
// them. The first byte picks the server's policy. Errors are fine; crashes are not.
#include <cstdint>

#include "rdpfault/acceptor/acceptor.hpp"
#include "rdpfault/pdu/x224.hpp"

using namespace rdpfault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  acceptor::AcceptorConfig cfg;
  cfg.allow_rdp = data[0] & 1;
  cfg.allow_tls = data[0] & 2;
  cfg.paint = data[0] & 4;
  acceptor::NullSink sink;
  acceptor::Acceptor a(cfg, sink);
  a.start();
  pdu::ByteView in(data + 1, size - 1);
  while (!in.empty()) {
    auto n = pdu::frame_size(in);
    if (!n || *n == 0 || *n > in.size()) break;
    auto r = a.step(in.first(*n));
    if (!r || r->directive == acceptor::Directive::close) break;
    if (r->directive == acceptor::Directive::start_tls) a.security_upgraded();
    in = in.subspan(*n);
  }
  return 0;
}
