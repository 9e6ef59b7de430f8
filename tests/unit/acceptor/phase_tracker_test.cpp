// The phases a proxy infers from the bytes alone: a chunk is split exactly where the phase
// changes. Byte vectors built with our own encoders.
#include "rdpfault/acceptor/phase_tracker.hpp"

#include <gtest/gtest.h>

#include "../../support/client_frames.hpp"
#include "rdpfault/pdu/x224.hpp"

namespace rdpfault::acceptor {
namespace {

using faults::Direction;
using faults::PhaseRange;

/// A TLS record header (type, version 3.3, length) and `len` bytes of body.
pdu::Bytes record(std::uint8_t type, std::size_t len) {
  pdu::Bytes b = {type, 3, 3, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  b.resize(5 + len, 0x42);
  return b;
}
pdu::Bytes cat(std::initializer_list<pdu::Bytes> parts) {
  pdu::Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
pdu::Bytes confirm(std::uint32_t selected) {
  pdu::ConnectionConfirm cc;
  cc.kind = pdu::ConnectionConfirm::Kind::response;
  cc.selected_protocol = selected;
  return cc.encode();
}

struct Recorder {
  std::vector<std::pair<std::string, nlohmann::json>> events;
  PhaseTracker::Events sink() {
    return [this](std::string k, nlohmann::json d) { events.emplace_back(std::move(k), std::move(d)); };
  }
  std::vector<std::string> phases() const {
    std::vector<std::string> out;
    for (const auto& [k, d] : events) {
      if (k == "phase") out.push_back(d["phase"]);
    }
    return out;
  }
};

TEST(PhaseTracker, FollowsX224ThenTls13ToThePostHandshakeRange) {
  Recorder rec;
  PhaseTracker t(rec.sink());
  test::ClientFrames c;
  c.requested = pdu::Protocols::ssl | pdu::Protocols::hybrid;
  const auto cr = c.connection_request();
  // The request may come in pieces.
  auto p1 = t.observe(Direction::to_server, std::span(cr).first(5));
  auto p2 = t.observe(Direction::to_server, std::span(cr).subspan(5));
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p1[0].phase, PhaseRange::exactly(Phase::connection_initiation));
  EXPECT_EQ(p2[0].length, cr.size() - 5);
  // The Confirm and the start of the ServerHello in one chunk: split right after the Confirm.
  const auto cc = confirm(pdu::Protocols::hybrid);
  const auto chunk = cat({cc, record(22, 90)});
  auto pieces = t.observe(Direction::to_client, chunk);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].length, cc.size());
  EXPECT_EQ(pieces[0].phase, PhaseRange::exactly(Phase::connection_initiation));
  EXPECT_EQ(pieces[1].phase, PhaseRange::exactly(Phase::security_upgrade));
  // TLS 1.3: the server sends encrypted (type 23) records before the client does.
  EXPECT_EQ(t.observe(Direction::to_client, cat({record(20, 1), record(23, 800)}))[0].phase,
            PhaseRange::exactly(Phase::security_upgrade));
  t.observe(Direction::to_server, record(20, 1));
  // The client's first type-23 record is its Finished: it still belongs to the handshake, and
  // what follows in the same chunk (the first TSRequest) is past it.
  const auto fin = record(23, 53);
  pieces = t.observe(Direction::to_server, cat({fin, record(23, 200)}));
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].length, fin.size());
  EXPECT_EQ(pieces[0].phase, PhaseRange::exactly(Phase::security_upgrade));
  EXPECT_EQ(pieces[1].phase, (PhaseRange{Phase::credssp, Phase::active})) << "NLA was selected";
  EXPECT_EQ(rec.phases(), (std::vector<std::string>{"security_upgrade", "credssp..active"}));
  ASSERT_GE(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0].first, "x224_request");
  EXPECT_EQ(rec.events[0].second["requested"], "ssl|hybrid");
  EXPECT_EQ(rec.events[1].first, "negotiation");
  EXPECT_EQ(rec.events[1].second["selected"], "hybrid");
}

TEST(PhaseTracker, Tls12EndsTheHandshakeAtTheClientsFirstApplicationRecord) {
  PhaseTracker t;
  t.observe(Direction::to_server, test::ClientFrames{}.connection_request());
  t.observe(Direction::to_client, confirm(pdu::Protocols::ssl));
  t.observe(Direction::to_server, record(22, 300));                                 // ClientHello
  t.observe(Direction::to_client, cat({record(22, 1500), record(22, 4)}));           // ServerHello..Done
  t.observe(Direction::to_server, cat({record(22, 70), record(20, 1), record(22, 40)}));  // key exchange, CCS, Finished
  EXPECT_EQ(t.current(), PhaseRange::exactly(Phase::security_upgrade));
  t.observe(Direction::to_client, cat({record(20, 1), record(22, 40)}));             // server CCS, Finished
  auto pieces = t.observe(Direction::to_server, record(23, 400));                   // MCS Connect-Initial
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].phase, (PhaseRange{Phase::basic_settings_exchange, Phase::active}));
}

TEST(PhaseTracker, StandardRdpSecurityAndAFailureStayInTheClear) {
  PhaseTracker rdp;
  rdp.observe(Direction::to_server, test::ClientFrames{}.connection_request());
  rdp.observe(Direction::to_client, confirm(pdu::Protocols::rdp));
  EXPECT_EQ(rdp.current(), (PhaseRange{Phase::basic_settings_exchange, Phase::active}));

  Recorder rec;
  PhaseTracker failed(rec.sink());
  failed.observe(Direction::to_server, test::ClientFrames{}.connection_request());
  pdu::ConnectionConfirm f;
  f.kind = pdu::ConnectionConfirm::Kind::failure;
  f.failure.value = pdu::FailureCode::hybrid_required_by_server;
  failed.observe(Direction::to_client, f.encode());
  EXPECT_EQ(failed.current(), PhaseRange::exactly(Phase::connection_initiation));
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[1].second["result"], "failure");
}

TEST(PhaseTracker, GarbageIsReportedAndNeverLoops) {
  Recorder rec;
  PhaseTracker t(rec.sink());
  const pdu::Bytes junk(300, 0x16);  // Not a TPKT.
  auto pieces = t.observe(Direction::to_server, junk);
  std::size_t total = 0;
  for (const auto& p : pieces) total += p.length;
  EXPECT_EQ(total, junk.size()) << "every byte is accounted for";
  ASSERT_FALSE(rec.events.empty());
  EXPECT_EQ(rec.events[0].first, "protocol_error");
  // Whatever follows is past what the tracker can follow.
  EXPECT_EQ(t.observe(Direction::to_client, junk).size(), 1u);
}

}  // namespace
}  // namespace rdpfault::acceptor
