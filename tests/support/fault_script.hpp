#pragma once
// The fake server without I/O: the acceptor stepped with a well-behaved client's frames and
// a list of faults, the session's own hooks (TLS handshake, CredSSP reply, the active
// session's clock) called where the session calls them, and every step written down as a
// line: "enter licensing", "fire 0 delay", "emit license error alert (valid client)",
// "wait 2500", "close", "rst", "stall", "alert 80", "at 1500 ms". Stops at the first step
// that ends the connection. Fault unit tests assert on these lines.
#include <string>
#include <vector>

#include "client_frames.hpp"
#include "rdpfault/acceptor/acceptor.hpp"
#include "rdpfault/faults/connection.hpp"
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::test {

struct FaultScript {
  std::vector<std::string> lines;
  bool ended = false;

  void take(const acceptor::StepResult& r) {
    for (const auto& s : r.steps) {
      if (ended) {
        lines.push_back("AFTER END");  // Must never happen: a test sees it.
        return;
      }
      if (const auto* e = std::get_if<acceptor::Enter>(&s)) {
        lines.push_back("enter " + std::string(to_string(e->phase)));
      } else if (const auto* f = std::get_if<acceptor::Fire>(&s)) {
        lines.push_back("fire " + std::to_string(f->due.index) + " " + std::string(f->due.fault->name()));
      } else if (const auto* m = std::get_if<acceptor::Emit>(&s)) {
        lines.push_back("emit " + std::string(m->name));
      } else {
        const auto& a = std::get<faults::Action>(s);
        if (const auto* w = std::get_if<faults::Wait>(&a)) lines.push_back("wait " + std::to_string(w->ms));
        if (const auto* c = std::get_if<faults::Close>(&a)) lines.push_back(c->rst ? "rst" : "close");
        if (std::holds_alternative<faults::Stall>(a)) lines.push_back("stall");
        if (const auto* t = std::get_if<faults::SendTlsAlert>(&a)) lines.push_back("alert " + std::to_string(t->description));
        if (faults::is_terminal(a)) ended = true;
      }
    }
    if (!ended && r.directive == acceptor::Directive::close) {
      lines.push_back("close (" + r.reason + ")");
      ended = true;
    }
  }
  /// Lines that start with `prefix`.
  std::vector<std::string> with(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& l : lines) {
      if (l.rfind(prefix, 0) == 0) out.push_back(l);
    }
    return out;
  }
  bool has(const std::string& line) const {
    for (const auto& l : lines) {
      if (l == line) return true;
    }
    return false;
  }
};

/// Parses `specs` (KIND:key=value,...) into faults; a bad spec fails the test.
inline std::vector<faults::Fault> parse_specs(const std::vector<std::string>& specs) {
  std::vector<faults::Fault> out;
  for (const auto& s : specs) {
    auto r = faults::parse_fault_spec(s);
    if (!r.fault) {
      std::string why;
      for (const auto& p : r.problems) why += p.to_string() + "; ";
      throw std::runtime_error("bad fault spec " + s + ": " + why);
    }
    out.push_back(std::move(*r.fault));
  }
  return out;
}

/// Runs a whole connection (TLS, or NLA with the CredSSP exchange itself left out) as the
/// session would, with `faults` on connection number `connection`.
inline FaultScript run_sequence(const std::vector<faults::Fault>& fs, std::uint64_t connection = 1, bool nla = false) {
  FaultScript s;
  faults::ConnectionFaults cf(fs, connection);
  acceptor::NullSink sink;
  acceptor::AcceptorConfig cfg;
  cfg.allow_nla = nla;
  acceptor::Acceptor a(cfg, sink, &cf);
  ClientFrames c;
  if (nla) c.requested = c.selected = pdu::Protocols::ssl | pdu::Protocols::hybrid;
  c.selected = nla ? pdu::Protocols::hybrid : pdu::Protocols::ssl;
  auto feed = [&](const pdu::Bytes& frame) {
    if (s.ended) return;
    auto r = a.step(frame);
    if (!r) {
      s.lines.push_back("error " + r.error().message());
      s.ended = true;
      return;
    }
    const bool tls = r->directive == acceptor::Directive::start_tls;
    s.take(*r);
    if (tls && !s.ended) {
      s.take(a.at_hook(faults::Hook::tls_handshake));
      if (s.ended) return;
      s.take(a.security_upgraded());
      if (a.phase() == Phase::credssp) {
        s.take(a.at_hook(faults::Hook::credssp_reply));
        if (s.ended) return;
        s.take(a.credssp_completed());
      }
    }
  };
  s.take(a.start());
  feed(c.connection_request());
  feed(c.connect_initial());
  feed(pdu::encode_erect_domain_request());
  feed(pdu::encode_attach_user_request());
  for (auto ch : c.joins()) feed(c.join(ch));
  feed(c.client_info());
  feed(c.confirm_active());
  feed(c.synchronize());
  feed(c.cooperate());
  feed(c.request_control());
  feed(c.font_list());
  if (!s.ended && a.phase() == Phase::active) {
    for (const auto& due : cf.active_schedule()) {
      if (s.ended) break;
      s.lines.push_back("at " + std::to_string(due.fault->where.after_ms) + " ms");
      s.take(a.fire(due));
    }
  }
  return s;
}

}  // namespace rdpfault::test
