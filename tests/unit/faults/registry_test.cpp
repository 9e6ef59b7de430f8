// The registry and the rules every fault shares: placement, connection scoping, order,
// several faults per phase and per connection, the command-line spec form.
#include <gtest/gtest.h>

#include "stream_helpers.hpp"

namespace rdpfault::faults::test {
namespace {

using rdpfault::test::parse_specs;
using rdpfault::test::run_sequence;

TEST(FaultList, TwoFaultsInTheActiveSessionFireByTimeNotByFileOrder) {
  // The case that used to fail: listed first but due later, 0x3 at 6 s; listed second, 0xC at 1 s.
  auto s = run_sequence(parse_specs({"error_info:phase=active,after_ms=6000,error_info=0x3",
                                     "error_info:phase=active,after_ms=1000,error_info=0xC"}));
  const auto tail = std::vector<std::string>(s.lines.end() - 4, s.lines.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"at 1000 ms", "fire 1 error_info",
                                            "emit set error info + disconnect provider ultimatum", "close"}));
  EXPECT_TRUE(s.with("at 6000 ms").empty()) << "the session is over before 6 s";
}

TEST(FaultList, SeveralInOnePhaseFireInFileOrderAtTheSamePoint) {
  auto s = run_sequence(parse_specs({"delay:phase=licensing,delay_ms=300", "delay:phase=licensing,delay_ms=200",
                                     "error_info:phase=licensing,error_info=7"}));
  const auto& l = s.lines;
  auto first = std::find(l.begin(), l.end(), "fire 0 delay");
  ASSERT_NE(first, l.end());
  EXPECT_EQ(std::vector<std::string>(first, l.end()),
            (std::vector<std::string>{"fire 0 delay", "wait 300", "fire 1 delay", "wait 200", "fire 2 error_info",
                                      "emit set error info + disconnect provider ultimatum", "close"}));
}

TEST(FaultList, SeveralInOneConnectionEachOnceInOrder) {
  auto s = run_sequence(parse_specs({"delay:phase=channel_connection,delay_ms=10", "delay:phase=finalization,delay_ms=20",
                                     "delay:phase=connection_initiation,delay_ms=5"}));
  EXPECT_EQ(s.with("wait"), (std::vector<std::string>{"wait 5", "wait 10", "wait 20"}))
      << "each fires once, at its phase, in the order the connection reaches them";
  EXPECT_EQ(s.with("fire 0").size(), 1u) << "once, not before every channel join";
  EXPECT_TRUE(s.has("enter active"));
}

TEST(FaultList, ScopedToConnections) {
  const auto fs = parse_specs({"close:phase=licensing,connections=1", "reset:phase=licensing,connection=3"});
  EXPECT_EQ(run_sequence(fs, 1).lines.back(), "close");
  EXPECT_TRUE(run_sequence(fs, 2).has("enter active")) << "connection 2 is spared";
  EXPECT_EQ(run_sequence(fs, 3).lines.back(), "rst");
  EXPECT_TRUE(run_sequence(fs, 4).has("enter active"));
}

TEST(FaultList, AFaultThatCanNeverFireIsAnError) {
  const auto dead = parse_specs({"close:phase=licensing", "delay:phase=licensing,delay_ms=10"});
  const auto problems = check_fault_list(dead);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].first, 1u);
  // Scoped to the first connection, the close leaves the delay for the others: allowed.
  EXPECT_TRUE(check_fault_list(parse_specs({"close:phase=licensing,connections=1", "delay:phase=licensing,delay_ms=10"})).empty());
}

TEST(FaultList, StreamUnitsChainInFileOrder) {
  // Slice first, then delay each slice: 4 segments, each 100 ms later.
  Chain c({"slicer:direction=to_client,size=25", "latency:direction=to_client,latency_ms=100"});
  auto out = c.feed(seg(0, 100));
  ASSERT_EQ(out.size(), 4u);
  for (const auto& s : out) EXPECT_DOUBLE_EQ(ms_of(s.at), 100);
  // A stream fault for the other direction is not in this chain.
  Chain other({"latency:direction=to_server,latency_ms=100"});
  EXPECT_TRUE(other.chain.empty());
}

TEST(Registry, EveryKindIsListedWithWhereItActsAndItsKeys) {
  const auto text = describe_kinds();
  const auto json = kinds_json();
  ASSERT_EQ(json["kinds"].size(), kinds().size());
  for (const auto* k : kinds()) {
    EXPECT_NE(text.find("\n" + std::string(k->name) + " - "), std::string::npos) << k->name;
    EXPECT_NE(k->hooks, 0) << k->name << " acts nowhere";
    EXPECT_EQ(find_kind(k->name), k);
    for (const auto& p : k->params) EXPECT_NE(text.find("  " + std::string(p.key) + " "), std::string::npos) << p.key;
  }
  EXPECT_EQ(closest_kind("latncy"), "latency");
  EXPECT_EQ(closest_kind("zzzzzzzz"), "");
}

TEST(Registry, CommandLineSpecs) {
  auto r = parse_fault_spec("latency:direction=both,latency_ms=0x10,during=security_upgrade+credssp");
  ASSERT_TRUE(r.fault) << (r.problems.empty() ? "" : r.problems[0].to_string());
  EXPECT_EQ(r.fault->where.directions.size(), 2u);
  EXPECT_EQ(r.fault->where.scope.during, (std::vector<Phase>{Phase::security_upgrade, Phase::credssp}));
  EXPECT_EQ(r.fault->describe()["latency_ms"], 16);
  for (const char* bad : {"", ":latency_ms=1", "latency:direction=both,latency_ms", "latency:direction=both,latency_ms=1,latency_ms=2",
                          "latency:direction=both,latency_ms=x", "nosuch:phase=licensing", "close:phase=licensing,color=red"}) {
    const auto b = parse_fault_spec(bad);
    EXPECT_FALSE(b.fault) << bad;
    EXPECT_FALSE(b.problems.empty()) << bad;
  }
  const auto typo = parse_fault_spec("close:phase=licensing,conections=1");
  ASSERT_FALSE(typo.problems.empty());
  EXPECT_NE(typo.problems.back().message.find("did you mean 'connections'"), std::string::npos) << typo.problems.back().to_string();
}

TEST(Registry, ScopesAsAProxySeesThem) {
  StreamScope from_active;
  from_active.from = Phase::active;
  const PhaseRange inside_tls{Phase::credssp, Phase::active};
  EXPECT_FALSE(from_active.covers(inside_tls)) << "a proxy cannot know it is in active";
  EXPECT_TRUE(from_active.touches(inside_tls));
  StreamScope from_tls;
  from_tls.from = Phase::security_upgrade;
  EXPECT_TRUE(from_tls.covers(inside_tls));
  StreamScope handshake;
  handshake.during = {Phase::security_upgrade};
  EXPECT_FALSE(handshake.touches(inside_tls));
  EXPECT_TRUE(StreamScope{}.covers(inside_tls));
}

}  // namespace
}  // namespace rdpfault::faults::test
