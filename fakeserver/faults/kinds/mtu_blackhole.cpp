// mtu_blackhole: a path whose MTU is smaller than the endpoints believe, with the ICMP
// "fragmentation needed" messages filtered (a PMTUD black hole, common on VPNs and PPPoE).
// The sender cuts its stream into segments of `mss` bytes; any segment whose packet
// (payload + 40 bytes of IPv4 and TCP headers) exceeds `mtu` is lost, and since TCP delivers
// in order nothing after it gets through either. Small packets (the TCP handshake, X.224,
// a ClientHello) pass; the server's large TLS flight does not, so the handshake hangs. The
// fix is a smaller MSS (MSS clamping on the router, or a lower interface MTU).
#include <algorithm>

#include "rdpfault/faults/registry.hpp"
#include "rdpfault/faults/stream.hpp"

namespace rdpfault::faults {
namespace {

constexpr int kHeaders = 40;  // IPv4 (20) + TCP (20), no options.

class BlackholeStream final : public StreamUnit {
 public:
  BlackholeStream(int mtu, int mss) : mtu_(mtu), mss_(static_cast<std::size_t>(mss)) {}

  void on_segment(Segment in, StreamContext& ctx, std::vector<Segment>& out) override {
    if (lost_) {
      dropped_ += in.bytes.size();
      return;
    }
    std::vector<Segment> segs;
    split(std::move(in), mss_, segs);
    for (auto& s : segs) {
      if (lost_) {
        dropped_ += s.bytes.size();
        continue;
      }
      if (static_cast<int>(s.bytes.size()) + kHeaders > mtu_) {
        lost_ = true;
        dropped_ += s.bytes.size();
        ctx.notes.push_back({"lost a " + std::to_string(s.bytes.size() + kHeaders) + "-byte packet (path MTU " +
                                 std::to_string(mtu_) + "); nothing more gets through",
                             {{"packet", s.bytes.size() + kHeaders}, {"mtu", mtu_}, {"offset", ctx.offset + passed_}}});
        continue;
      }
      passed_ += s.bytes.size();
      out.push_back(std::move(s));
    }
  }
  nlohmann::json summary() const override {
    return {{"blackholed", lost_}, {"passed_bytes", passed_}, {"dropped_bytes", dropped_}};
  }

 private:
  int mtu_;
  std::size_t mss_;
  bool lost_ = false;
  std::uint64_t passed_ = 0;
  std::uint64_t dropped_ = 0;
};

class MtuBlackhole final : public Unit {
 public:
  MtuBlackhole(int mtu, int mss) : mtu_(mtu), mss_(mss) {}
  std::unique_ptr<StreamUnit> stream(std::uint64_t) const override { return std::make_unique<BlackholeStream>(mtu_, mss_); }
  nlohmann::json params() const override { return {{"mtu", mtu_}, {"mss", mss_}}; }

 private:
  int mtu_, mss_;
};

constexpr ParamDoc kParams[] = {
    {"mtu", "integer 68..65535 (bytes)", "the path's real MTU: larger packets are lost (required)"},
    {"mss", "integer 1..65495 (bytes)", "the sender's maximum segment size (default 1460, Ethernet's); "
                                        "the fix clamps it to mtu - 40"},
};

std::shared_ptr<const Unit> parse(Params& p, const Placement&) {
  auto mtu = p.required_integer("mtu", 68, 65'535);
  const auto mss = p.integer("mss", 1, 65'495).value_or(1460);
  if (!mtu || p.failed()) return nullptr;
  return std::make_shared<MtuBlackhole>(static_cast<int>(*mtu), static_cast<int>(mss));
}

}  // namespace

extern const KindInfo mtu_blackhole_kind;
const KindInfo mtu_blackhole_kind = {"mtu_blackhole", "lose every packet above the path MTU, and all after it", only(Hook::stream), kParams, {}, &parse};

}  // namespace rdpfault::faults
