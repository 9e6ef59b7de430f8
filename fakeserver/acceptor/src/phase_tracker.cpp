#include "rdpfault/acceptor/phase_tracker.hpp"

#include <algorithm>

#include "rdpfault/pdu/x224.hpp"

namespace rdpfault::acceptor {

using faults::Direction;
using faults::PhaseRange;

namespace {
constexpr std::size_t kMaxTpkt = 0xFFFF;
constexpr std::uint8_t kApplicationData = 23;
std::size_t idx(Direction d) { return d == Direction::to_client ? 0 : 1; }
}  // namespace

PhaseTracker::PhaseTracker(Events events) : events_(std::move(events)) {}

void PhaseTracker::set_phase(PhaseRange p) {
  if (p == phase_) return;
  phase_ = p;
  if (events_) events_("phase", {{"phase", faults::to_string(p)}});
}

void PhaseTracker::on_request(std::span<const std::uint8_t> frame) {
  auto cr = pdu::ConnectionRequest::decode(frame);
  if (!events_) return;
  if (!cr) {
    events_("protocol_error", {{"error", cr.error().message()}, {"direction", "to_server"}});
    return;
  }
  nlohmann::json j = {{"cookie", cr->cookie}, {"neg_req", cr->has_neg_req}};
  if (cr->has_neg_req) {
    j["requested_protocols"] = cr->requested_protocols;
    j["requested"] = pdu::protocols_to_string(cr->requested_protocols);
  }
  events_("x224_request", std::move(j));
}

void PhaseTracker::on_confirm(std::span<const std::uint8_t> frame) {
  auto cc = pdu::ConnectionConfirm::decode(frame);
  if (!cc) {
    if (events_) events_("protocol_error", {{"error", cc.error().message()}, {"direction", "to_client"}});
    set_phase({Phase::security_upgrade, Phase::active});  // Unknown from here on.
    return;
  }
  using Kind = pdu::ConnectionConfirm::Kind;
  if (cc->kind == Kind::failure) {
    if (events_) {
      events_("negotiation", {{"result", "failure"}, {"failure_code", cc->failure.value}, {"failure", cc->failure.name()}});
    }
    return;  // The server closes; the connection stays in connection_initiation.
  }
  const std::uint32_t selected = cc->kind == Kind::legacy ? 0 : cc->selected_protocol;
  if (events_) {
    events_("negotiation",
            {{"result", "selected"}, {"selected_protocol", selected}, {"selected", pdu::protocols_to_string(selected)}});
  }
  if (selected == pdu::Protocols::rdp) {
    set_phase({Phase::basic_settings_exchange, Phase::active});
  } else {
    after_tls_ = (selected & pdu::Protocols::hybrid) ? PhaseRange{Phase::credssp, Phase::active}
                                                     : PhaseRange{Phase::basic_settings_exchange, Phase::active};
    set_phase(PhaseRange::exactly(Phase::security_upgrade));
  }
}

std::size_t PhaseTracker::step(Direction dir, std::span<const std::uint8_t> bytes) {
  auto& f = dir_[idx(dir)];
  if (phase_.lo == Phase::connection_initiation && phase_.exact()) {
    // One TPKT each way: the Connection Request, then the Confirm.
    std::size_t used = 0;
    while (used < bytes.size()) {
      f.head.push_back(bytes[used++]);
      if (f.head.size() < 4) continue;
      const std::size_t len = (std::size_t{f.head[2]} << 8) | f.head[3];
      if (f.head[0] != 3 || len < 4 || len > kMaxTpkt) {
        if (events_) events_("protocol_error", {{"error", "not a TPKT where X.224 was expected"}, {"direction", faults::to_string(dir)}});
        set_phase({Phase::connection_initiation, Phase::active});
        return used;
      }
      if (f.head.size() < len) continue;
      if (dir == Direction::to_server) {
        on_request(f.head);
        f.head.clear();
      } else {
        on_confirm(f.head);
        f.head.clear();
        return used;  // The phase may have changed right after the Confirm.
      }
    }
    return used;
  }
  if (phase_ == PhaseRange::exactly(Phase::security_upgrade)) {
    std::size_t used = 0;
    while (used < bytes.size()) {
      if (f.skip > 0) {
        const auto n = std::min(f.skip, bytes.size() - used);
        f.skip -= n;
        used += n;
        if (f.skip == 0 && finish_after_record_ && dir == Direction::to_server) {
          finish_after_record_ = false;
          set_phase(after_tls_);  // The client's TLS 1.3 Finished has passed.
          return used;
        }
        continue;
      }
      // A record header: type (1), version (2), length (2).
      if (f.head.empty() && dir == Direction::to_server && bytes[used] == kApplicationData) {
        if (!tls13_) {
          set_phase(after_tls_);  // TLS 1.2: the client's first application record.
          return used;
        }
        finish_after_record_ = true;
      }
      f.head.push_back(bytes[used++]);
      if (f.head.size() < 5) continue;
      f.type = f.head[0];
      f.skip = (std::size_t{f.head[3]} << 8) | f.head[4];
      f.head.clear();
      ++f.records;
      if (f.type == kApplicationData) {
        ++f.app_records;
        if (dir == Direction::to_client && dir_[1].app_records == 0) tls13_ = true;
      }
      if (f.skip == 0 && finish_after_record_ && dir == Direction::to_server) {
        finish_after_record_ = false;
        set_phase(after_tls_);
        return used;
      }
    }
    return used;
  }
  return bytes.size();  // Past the handshake: nothing more to follow.
}

std::vector<faults::PhaseSource::Piece> PhaseTracker::observe(Direction dir, std::span<const std::uint8_t> bytes) {
  std::vector<Piece> out;
  std::size_t off = 0;
  while (off < bytes.size()) {
    const auto before = phase_;
    const auto n = step(dir, bytes.subspan(off));
    if (n == 0) {
      if (phase_ == before) {  // Cannot happen; never loop on it.
        out.push_back({bytes.size() - off, before});
        break;
      }
      continue;  // The phase changed before the first byte: step again in the new one.
    }
    if (!out.empty() && out.back().phase == before) {
      out.back().length += n;
    } else {
      out.push_back({n, before});
    }
    off += n;
  }
  return out;
}

}  // namespace rdpfault::acceptor
