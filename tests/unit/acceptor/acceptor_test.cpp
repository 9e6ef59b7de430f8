#include "rdpfault/acceptor/acceptor.hpp"

#include <gtest/gtest.h>

#include "../../support/client_frames.hpp"
#include "../pdu/hex.hpp"

namespace rdpfault::acceptor {
namespace {

using test::ClientFrames;
using test::hex;

/// Records events; a test reads them back.
class RecordingSink final : public EventSink {
 public:
  void event(std::string_view kind, nlohmann::json data) override { events.push_back({std::string(kind), std::move(data)}); }
  std::vector<std::pair<std::string, nlohmann::json>> events;
};

/// The phases entered and the PDUs emitted by a sequence of step results, as the session traces them.
struct Steps {
  std::vector<std::string> phases;
  std::vector<std::string> sent;
  void add(const StepResult& r) {
    for (const auto& s : r.steps) {
      if (const auto* e = std::get_if<Enter>(&s)) phases.emplace_back(to_string(e->phase));
      if (const auto* m = std::get_if<Emit>(&s)) sent.emplace_back(m->name);
    }
  }
};

/// The bytes a step result writes, in order.
pdu::Bytes out(const StepResult& r) {
  pdu::Bytes b;
  for (const auto& s : r.steps) {
    if (const auto* m = std::get_if<Emit>(&s)) b.insert(b.end(), m->bytes.begin(), m->bytes.end());
  }
  return b;
}

/// Splits concatenated TPKT frames.
std::vector<pdu::Bytes> frames(const pdu::Bytes& out) {
  std::vector<pdu::Bytes> v;
  std::size_t at = 0;
  while (at < out.size()) {
    auto n = pdu::frame_size(pdu::ByteView(out).subspan(at));
    EXPECT_TRUE(n && *n > 0);
    if (!n || *n == 0) break;
    v.emplace_back(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(at + *n));
    at += *n;
  }
  return v;
}

StepResult step_ok(Acceptor& a, const pdu::Bytes& frame) {
  auto r = a.step(frame);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : StepResult{};
}

TEST(Acceptor, WholeTlsSequenceReachesActiveAndPaints) {
  RecordingSink sink;
  Acceptor a(AcceptorConfig{}, sink);
  ClientFrames c;
  Steps steps;
  steps.add(a.start());
  auto r = step_ok(a, c.connection_request());
  steps.add(r);
  EXPECT_EQ(r.directive, Directive::start_tls);
  EXPECT_EQ(pdu::ConnectionConfirm::decode(out(r))->selected_protocol, pdu::Protocols::ssl);
  EXPECT_EQ(a.phase(), Phase::security_upgrade);
  steps.add(a.security_upgraded());
  EXPECT_EQ(a.phase(), Phase::basic_settings_exchange);

  auto step = [&](const pdu::Bytes& frame) {
    auto res = step_ok(a, frame);
    steps.add(res);
    return res;
  };
  r = step(c.connect_initial());
  EXPECT_EQ(frames(out(r)).size(), 1u);
  EXPECT_EQ(a.phase(), Phase::channel_connection);
  EXPECT_TRUE(out(step(pdu::encode_erect_domain_request())).empty());
  r = step(pdu::encode_attach_user_request());
  EXPECT_TRUE(test::bytes_equal(out(r), hex("03 00 00 0b 02 f0 80 2e 00 00 06")));
  for (auto ch : c.joins()) {
    const auto o = out(step(c.join(ch)));
    ASSERT_EQ(o.size(), 15u);
    EXPECT_EQ(o[7], 0x3e);
    EXPECT_EQ(o[8], 0x00) << "join of channel " << ch << " must succeed";
  }
  EXPECT_EQ(a.phase(), Phase::secure_settings_exchange);

  r = step(c.client_info());
  EXPECT_EQ(frames(out(r)).size(), 2u);  // license valid client + demand active
  EXPECT_EQ(a.phase(), Phase::capabilities_exchange);
  step(c.confirm_active());
  EXPECT_EQ(a.phase(), Phase::finalization);
  EXPECT_TRUE(out(step(c.synchronize())).empty());
  EXPECT_TRUE(out(step(c.cooperate())).empty());
  r = step(c.request_control());
  EXPECT_EQ(frames(out(r)).size(), 3u);  // synchronize, cooperate, granted: before the font list
  r = step(c.font_list());
  EXPECT_EQ(a.phase(), Phase::active);
  EXPECT_GE(frames(out(r)).size(), 2u);  // font map + bitmap updates

  r = step(pdu::encode_disconnect_provider_ultimatum(3));
  EXPECT_EQ(r.directive, Directive::close);

  EXPECT_EQ(steps.phases, (std::vector<std::string>{"connection_initiation", "security_upgrade", "basic_settings_exchange",
                                                    "channel_connection", "secure_settings_exchange", "licensing",
                                                    "capabilities_exchange", "finalization", "active"}));
  const auto& sent = steps.sent;
  EXPECT_NE(std::find(sent.begin(), sent.end(), "bitmap update"), sent.end());
  // The trace carries the user, never a password.
  for (const auto& [k, d] : sink.events) {
    if (k == "client_info") {
      EXPECT_EQ(d["user"], "tester");
    }
  }
}

TEST(Acceptor, NegotiationPolicy) {
  struct Case {
    bool rdp, tls;
    std::uint32_t requested;
    bool has_neg_req;
    pdu::ConnectionConfirm::Kind kind;
    std::uint32_t value;  // selected protocol or failure code
  };
  using K = pdu::ConnectionConfirm::Kind;
  const Case cases[] = {
      {true, true, 0x3, true, K::response, pdu::Protocols::ssl},
      {true, true, 0x0, true, K::response, pdu::Protocols::rdp},
      {true, true, 0x0, false, K::legacy, 0},
      {false, true, 0x0, true, K::failure, pdu::FailureCode::ssl_required_by_server},
      {false, true, 0x0, false, K::failure, pdu::FailureCode::ssl_required_by_server},
      {true, false, 0x1, true, K::failure, pdu::FailureCode::ssl_not_allowed_by_server},
      {true, false, 0x3, true, K::failure, pdu::FailureCode::ssl_not_allowed_by_server},
  };
  for (const auto& k : cases) {
    NullSink sink;
    AcceptorConfig cfg;
    cfg.allow_rdp = k.rdp;
    cfg.allow_tls = k.tls;
    Acceptor a(cfg, sink);
    pdu::ConnectionRequest cr;
    cr.has_neg_req = k.has_neg_req;
    cr.requested_protocols = k.requested;
    auto r = a.step(cr.encode());
    ASSERT_TRUE(r);
    auto cc = pdu::ConnectionConfirm::decode(out(*r));
    ASSERT_TRUE(cc) << cc.error().message();
    EXPECT_EQ(cc->kind, k.kind) << "rdp=" << k.rdp << " tls=" << k.tls << " requested=" << k.requested;
    EXPECT_EQ(k.kind == K::failure ? cc->failure.value : cc->selected_protocol, k.value);
    EXPECT_EQ(r->directive == Directive::close, k.kind == K::failure);
  }
}

TEST(Acceptor, MalformedFrameIsAnErrorNamingPduAndField) {
  NullSink sink;
  Acceptor a(AcceptorConfig{}, sink);
  ClientFrames c;
  ASSERT_TRUE(a.step(c.connection_request()));
  a.security_upgraded();
  auto ci = c.connect_initial();
  const pdu::Bytes key = {'D', 'u', 'c', 'a'};
  auto at = std::search(ci.begin(), ci.end(), key.begin(), key.end());
  ASSERT_NE(at, ci.end());
  at += 4 + 2;  // the key, then a two-byte PER length: CS_CORE starts here
  ASSERT_EQ(at[0], 0x01);
  ASSERT_EQ(at[1], 0xC0);
  at[8] = 0;  // desktopWidth = 0
  at[9] = 0;
  auto r = a.step(ci);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pdu, "gcc client data");
  EXPECT_EQ(r.error().field, "CS_CORE.desktopWidth");
  EXPECT_NE(r.error().message().find("outside 200..32766"), std::string::npos) << r.error().message();
  // Once failed, the acceptor refuses further input.
  EXPECT_FALSE(a.step(c.connect_initial()));
}

TEST(Acceptor, OutOfOrderPduIsRejected) {
  NullSink sink;
  Acceptor a(AcceptorConfig{}, sink);
  ClientFrames c;
  ASSERT_TRUE(a.step(c.connection_request()));
  a.security_upgraded();
  auto r = a.step(pdu::encode_attach_user_request());  // before Connect-Initial
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().pdu, pdu::McsConnectInitial::kName);
}

TEST(Acceptor, SelectedProtocolMismatchInCsCoreIsRejected) {
  NullSink sink;
  Acceptor a(AcceptorConfig{}, sink);
  ClientFrames c;
  ASSERT_TRUE(a.step(c.connection_request()));
  a.security_upgraded();
  c.selected = pdu::Protocols::hybrid;
  auto r = a.step(c.connect_initial());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "CS_CORE.serverSelectedProtocol");
}

TEST(Acceptor, UnknownChannelJoinIsRefusedNotFatal) {
  NullSink sink;
  Acceptor a(AcceptorConfig{}, sink);
  ClientFrames c;
  ASSERT_TRUE(a.step(c.connection_request()));
  a.security_upgraded();
  ASSERT_TRUE(a.step(c.connect_initial()));
  ASSERT_TRUE(a.step(pdu::encode_attach_user_request()));
  auto r = a.step(c.join(1999));
  ASSERT_TRUE(r);
  EXPECT_EQ(out(*r)[8], 3) << "rt-no-such-channel";
}

}  // namespace
}  // namespace rdpfault::acceptor
