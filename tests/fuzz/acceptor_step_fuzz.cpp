// The acceptor fed an arbitrary byte stream, split into frames the way the session splits
// them, with faults drawn from the input. The first byte picks the server's policy; with its
// bit 3 set, the next byte is a fault count (0-3) and each fault takes two more bytes (kind
// and phase). Errors are fine; crashes are not, and neither is any step after the one that
// ended the connection.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "rdpfault/acceptor/acceptor.hpp"
#include "rdpfault/faults/registry.hpp"
#include "rdpfault/pdu/x224.hpp"

using namespace rdpfault;

namespace {

std::vector<faults::Fault> draw_faults(const std::uint8_t*& data, std::size_t& size) {
  std::vector<faults::Fault> out;
  if (size < 1) return out;
  const int count = data[0] % 4;
  ++data, --size;
  static const char* const kinds[] = {"close", "reset", "stall", "delay", "error_info", "ultimatum", "license_error", "tls_alert"};
  for (int i = 0; i < count && size >= 2; ++i) {
    const std::string kind = kinds[data[0] % 8];
    const Phase phase = kAllPhases[data[1] % kAllPhases.size()];
    std::string spec = kind + ":phase=" + std::string(to_string(phase));
    if (phase == Phase::active) spec += ",after_ms=" + std::to_string(data[1]);
    if (kind == "delay") spec += ",delay_ms=" + std::to_string(1 + data[0]);
    if (kind == "error_info") spec += ",error_info=" + std::to_string(1 + data[0]);
    if (kind == "license_error") spec += ",license_error=" + std::to_string(1 + data[0]);
    data += 2, size -= 2;
    if (auto r = faults::parse_fault_spec(spec); r.fault) out.push_back(std::move(*r.fault));
  }
  return out;
}

struct Checker {
  bool ended = false;
  void take(const acceptor::StepResult& r) {
    for (const auto& s : r.steps) {
      if (ended) std::abort();  // A step after the connection ended.
      if (const auto* a = std::get_if<faults::Action>(&s)) ended = faults::is_terminal(*a);
    }
    if (r.directive == acceptor::Directive::close) ended = true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  acceptor::AcceptorConfig cfg;
  cfg.allow_rdp = data[0] & 1;
  cfg.allow_tls = data[0] & 2;
  cfg.paint = data[0] & 4;
  const bool with_faults = data[0] & 8;
  cfg.allow_nla = data[0] & 16;
  ++data, --size;
  const auto list = with_faults ? draw_faults(data, size) : std::vector<faults::Fault>{};
  faults::ConnectionFaults cf(list, 1);
  acceptor::NullSink sink;
  acceptor::Acceptor a(cfg, sink, &cf);
  Checker check;
  check.take(a.start());
  pdu::ByteView in(data, size);
  while (!in.empty() && !check.ended) {
    auto n = pdu::frame_size(in);
    if (!n || *n == 0 || *n > in.size()) break;
    auto r = a.step(in.first(*n));
    if (!r) break;
    check.take(*r);
    if (r->directive == acceptor::Directive::start_tls && !check.ended) {
      check.take(a.at_hook(faults::Hook::tls_handshake));
      if (!check.ended) check.take(a.security_upgraded());
      if (!check.ended && a.phase() == Phase::credssp) {
        check.take(a.at_hook(faults::Hook::credssp_reply));
        if (!check.ended) check.take(a.credssp_completed());
      }
    }
    in = in.subspan(*n);
  }
  if (!check.ended && a.phase() == Phase::active) {
    for (const auto& due : cf.active_schedule()) {
      if (check.ended) break;
      check.take(a.fire(due));
    }
  }
  return 0;
}
