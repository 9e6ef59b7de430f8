#include "rdpfault/harness/runner.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <limits>
#include <random>
#include <thread>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "forwarder.hpp"
#include "netns.hpp"
#include "rdpfault/fakeserver/proxy.hpp"
#include "rdpfault/scenario/codes.hpp"
#include "rdpfault/client/driver.hpp"

namespace rdpfault::harness {
namespace {

using codes::hex;

using scenario::CertificateKind;
using scenario::ClientSpec;
using scenario::Expectation;
using scenario::Reachability;
using scenario::Resolution;
using scenario::ServerSpec;
using Clock = std::chrono::steady_clock;

constexpr const char* kStaleAddress = "127.0.0.2";  // Where a stale name points: another loopback host.
constexpr const char* kStaleHost = "old-host.example.test";

certs::Identity share(const certs::Identity& id) {
  X509_up_ref(id.cert.get());
  EVP_PKEY_up_ref(id.key.get());
  return certs::Identity{certs::CertPtr(id.cert.get()), certs::KeyPtr(id.key.get())};
}

/// Certificates are made once per process and kind: the CA (RSA) is the slow part.
class CertificateStore {
 public:
  static CertificateStore& get() {
    static CertificateStore store;
    return store;
  }

  std::shared_ptr<const fakeserver::ServerCertificates> for_kind(CertificateKind kind, const std::string& host) {
    std::lock_guard lock(mu_);
    ensure_ca();
    const std::string key = std::string(scenario::to_string(kind)) + "|" + host;
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    certs::CertSpec leaf;
    leaf.common_name = "localhost";
    leaf.dns_names = {"localhost", "127.0.0.1"};
    leaf.ip_addresses = {"127.0.0.1", "::1"};
    if (!host.empty() && host != "localhost" && host.find_first_not_of("0123456789.:") != std::string::npos) {
      leaf.common_name = host;
      leaf.dns_names.insert(leaf.dns_names.begin(), host);
    }
    leaf.key_type = certs::KeyType::ecdsa_p256;
    auto sc = std::make_shared<fakeserver::ServerCertificates>();
    sc->ca = share(*ca_);
    switch (kind) {
      case CertificateKind::valid:
      case CertificateKind::none:
        sc->leaf = certs::make_leaf(leaf, *ca_);
        break;
      case CertificateKind::expired:
        leaf.not_before_offset = -std::chrono::hours(24 * 400);
        leaf.not_after_offset = -std::chrono::hours(24 * 35);
        sc->leaf = certs::make_leaf(leaf, *ca_);
        break;
      case CertificateKind::not_yet_valid:
        leaf.not_before_offset = std::chrono::hours(24 * 30);
        leaf.not_after_offset = std::chrono::hours(24 * 400);
        sc->leaf = certs::make_leaf(leaf, *ca_);
        break;
      case CertificateKind::self_signed:
        sc->leaf = certs::make_self_signed(leaf);
        break;
      case CertificateKind::unknown_ca: {
        if (!other_ca_) {
          certs::CertSpec ca;
          ca.common_name = "rdpfault untrusted CA";
          ca.dns_names = {};
          ca.is_ca = true;
          ca.key_type = certs::KeyType::ecdsa_p256;
          other_ca_ = certs::make_ca(ca);
        }
        sc->leaf = certs::make_leaf(leaf, *other_ca_);
        break;
      }
      case CertificateKind::name_mismatch:
        leaf.common_name = kStaleHost;
        leaf.dns_names = {kStaleHost};
        leaf.ip_addresses = {};
        sc->leaf = certs::make_leaf(leaf, *ca_);
        break;
    }
    cache_[key] = sc;
    return sc;
  }

  const std::string& ca_file() {
    std::lock_guard lock(mu_);
    ensure_ca();
    return ca_file_;
  }

  ~CertificateStore() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

 private:
  void ensure_ca() {
    if (ca_) return;
    certs::CertSpec ca;
    ca.common_name = "rdpfault test CA";
    ca.dns_names = {};
    ca.is_ca = true;
    ca.not_after_offset = std::chrono::hours(24 * 30);
    ca_ = certs::make_ca(ca);
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/rdpfault-run-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory for the CA in " + tmpl);
    dir_ = tmpl;
    ca_file_ = dir_ + "/ca.pem";
    certs::write_cert_file(ca_file_, *ca_);  // A certificate only: the key stays in memory.
  }

  std::mutex mu_;
  std::optional<certs::Identity> ca_;
  std::optional<certs::Identity> other_ca_;
  std::string dir_;
  std::string ca_file_;
  std::map<std::string, std::shared_ptr<const fakeserver::ServerCertificates>> cache_;
};

/// A bound TCP socket on loopback: closed (bound, not listening: the kernel answers RST) or
/// filtered (listening with a full accept queue that nobody drains: SYNs are dropped).
class PortBlocker {
 public:
  PortBlocker(const std::string& address, std::uint16_t port, bool filtered) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) throw std::runtime_error("bad address " + address);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot bind " + address + ":" + std::to_string(port));
    }
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    if (!filtered) return;
    // Backlog 0 admits one connection into the accept queue; once it is there the queue is
    // full, and Linux drops further SYNs (a firewall's DROP, as the client sees it).
    ::listen(fd_, 0);
    for (int i = 0; i < 2; ++i) {
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      ::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      fillers_.push_back(c);
    }
  }
  ~PortBlocker() {
    for (int c : fillers_) ::close(c);
    if (fd_ >= 0) ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> fillers_;
};

int tls_version(scenario::TlsVersion v) {
  switch (v) {
    case scenario::TlsVersion::tls1_0: return 0x0301;
    case scenario::TlsVersion::tls1_1: return 0x0302;
    case scenario::TlsVersion::tls1_2: return 0x0303;
    case scenario::TlsVersion::tls1_3: return 0x0304;
  }
  return 0;
}

bool has(const std::vector<SecurityProtocol>& v, SecurityProtocol p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

/// Whether the spec's stream faults sit in a proxy in front of the server.
bool faults_in_proxy(const ServerSpec& spec) {
  if (spec.network_at != ServerSpec::NetworkAt::proxy) return false;
  return std::any_of(spec.faults.begin(), spec.faults.end(), [](const faults::Fault& f) { return f.is_stream(); });
}

std::vector<faults::Fault> select_faults(const ServerSpec& spec, bool stream) {
  std::vector<faults::Fault> out;
  for (const auto& f : spec.faults) {
    if (f.is_stream() == stream) out.push_back(f);
  }
  return out;
}

fakeserver::ServerConfig server_config(const ServerSpec& spec, const std::string& host,
                                       std::shared_ptr<fakeserver::TraceSink> trace, std::uint64_t seed) {
  fakeserver::ServerConfig cfg;
  cfg.acceptor.allow_rdp = has(spec.security, SecurityProtocol::rdp);
  cfg.acceptor.allow_tls = has(spec.security, SecurityProtocol::tls);
  cfg.acceptor.allow_nla = has(spec.security, SecurityProtocol::nla);
  if (spec.negotiation_failure) cfg.acceptor.force_failure = spec.negotiation_failure;
  if (spec.select_protocol) {
    // pdu::Protocols: PROTOCOL_RDP 0, PROTOCOL_SSL 1, PROTOCOL_HYBRID 2.
    cfg.acceptor.force_selected = *spec.select_protocol == SecurityProtocol::rdp   ? 0u
                                  : *spec.select_protocol == SecurityProtocol::tls ? 1u
                                                                                   : 2u;
  }
  cfg.certificates = CertificateStore::get().for_kind(spec.certificate, host);
  cfg.no_certificate = spec.certificate == CertificateKind::none;
  cfg.tls_min_version = tls_version(spec.tls_min);
  cfg.tls_max_version = tls_version(spec.tls_max);
  // With network_at = "proxy" the server keeps only the faults at its own PDUs.
  cfg.faults = faults_in_proxy(spec) ? select_faults(spec, false) : spec.faults;
  cfg.seed = seed;
  cfg.max_sessions = spec.max_sessions;
  cfg.single_session_per_user = spec.single_session_per_user;
  cfg.accounts = spec.accounts;
  cfg.credssp_version = static_cast<std::uint32_t>(spec.credssp_version);
  cfg.trace = std::move(trace);
  return cfg;
}

/// Stamps the events of one server so a run's trace says which server saw what.
class LabelTrace final : public fakeserver::TraceSink {
 public:
  LabelTrace(std::shared_ptr<fakeserver::TraceSink> inner, std::string label)
      : inner_(std::move(inner)), label_(std::move(label)) {}
  void record(const fakeserver::TraceEvent& e) override {
    auto copy = e;
    copy.data["server"] = label_;
    inner_->record(copy);
  }

 private:
  std::shared_ptr<fakeserver::TraceSink> inner_;
  std::string label_;
};

}  // namespace

std::uint64_t random_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32 | rd()) & 0x7FFF'FFFF'FFFF'FFFFull;  // Fits a TOML integer.
}

struct Environment::Impl {
  std::shared_ptr<fakeserver::TraceSink> trace;
  std::unique_ptr<fakeserver::Server> server;
  std::unique_ptr<fakeserver::Server> other;
  std::unique_ptr<fakeserver::Proxy> proxy;
  std::unique_ptr<PortBlocker> blocker;
  std::unique_ptr<Forwarder> forwarder;
  std::uint16_t client_port = 0;
  std::string client_host;
  Resolution resolution = Resolution::address;
  std::vector<std::thread> holders;
  std::atomic<bool> stop_holders{false};
  std::mutex holder_mu;  // Guards the two counts; the holder threads outlive start_holders().
  std::condition_variable holder_cv;
  int holders_active = 0;
  int holders_ended = 0;
};

Environment::Environment(const ServerSpec& spec, const ClientSpec& client,
                         std::shared_ptr<fakeserver::TraceSink> trace, std::uint16_t port,
                         std::string listen_address, std::uint64_t seed)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.trace = std::move(trace);
  d.client_host = client.host;
  d.resolution = client.resolution;
  auto start_server = [&](std::uint16_t p, const std::string& address) {
    auto cfg = server_config(spec, client.host, d.trace, seed);
    cfg.listen_address = address;
    cfg.port = p;
    if (faults_in_proxy(spec)) {
      // The network conditions sit on the path: a proxy on the client's port, the server
      // behind it on a port of its own.
      cfg.port = 0;
      d.server = std::make_unique<fakeserver::Server>(std::move(cfg));
      d.server->start();
      fakeserver::ProxyConfig pc;
      pc.listen_address = address;
      pc.port = p;
      pc.upstream_host = address;
      pc.upstream_port = d.server->port();
      pc.faults = select_faults(spec, true);
      pc.seed = seed;
      pc.trace = std::make_shared<LabelTrace>(d.trace, "proxy");
      d.proxy = std::make_unique<fakeserver::Proxy>(std::move(pc));
      d.proxy->start();
      return;
    }
    d.server = std::make_unique<fakeserver::Server>(std::move(cfg));
    d.server->start();
  };
  switch (spec.reachability) {
    case Reachability::listening:
      if (client.resolution == Resolution::other_server) {
        // The stale record reaches another host (127.0.0.2) on the same port; both must bind.
        for (int attempt = 0;; ++attempt) {
          auto other_spec = ServerSpec{};
          auto cfg = server_config(other_spec, "", std::make_shared<LabelTrace>(d.trace, "other"), seed);
          cfg.certificates = CertificateStore::get().for_kind(CertificateKind::name_mismatch, "");
          cfg.listen_address = kStaleAddress;
          cfg.port = port;
          d.other = std::make_unique<fakeserver::Server>(std::move(cfg));
          d.other->start();
          try {
            start_server(d.other->port(), listen_address);
            break;
          } catch (const std::exception&) {
            d.other.reset();
            if (attempt >= 5 || port != 0) throw;
          }
        }
      } else {
        start_server(port, listen_address);
      }
      d.client_port = d.proxy ? d.proxy->port() : d.server->port();
      break;
    case Reachability::closed:
      d.blocker = std::make_unique<PortBlocker>(listen_address, port, false);
      d.client_port = d.blocker->port();
      break;
    case Reachability::filtered:
      d.blocker = std::make_unique<PortBlocker>(listen_address, port, true);
      d.client_port = d.blocker->port();
      break;
    case Reachability::other_port:
      start_server(0, listen_address);
      if (spec.forward) {
        d.forwarder = std::make_unique<Forwarder>(listen_address, port, d.proxy ? d.proxy->port() : d.server->port());
        d.client_port = d.forwarder->port();
      } else {
        d.blocker = std::make_unique<PortBlocker>(listen_address, port, false);
        d.client_port = d.blocker->port();
      }
      break;
  }
}

Environment::~Environment() { stop(); }

void Environment::stop() {
  auto& d = *impl_;
  d.stop_holders = true;
  for (auto& t : d.holders) {
    if (t.joinable()) t.join();
  }
  d.holders.clear();
  if (d.forwarder) d.forwarder->stop();
  if (d.proxy) d.proxy->stop();
  if (d.server) d.server->stop();
  if (d.other) d.other->stop();
}

std::uint16_t Environment::client_port() const { return impl_->client_port; }
const std::string& Environment::ca_file() const { return CertificateStore::get().ca_file(); }
fakeserver::Server* Environment::server() { return impl_->server.get(); }

ConnectRequest Environment::client_request(const ClientSpec& c) const {
  ConnectRequest r;
  r.host = c.host;
  r.port = impl_->client_port;
  r.security = c.security;
  r.username = c.user;
  r.domain = c.domain;
  r.password = c.password;
  r.cert_policy = c.certificates;
  r.ca_file = CertificateStore::get().ca_file();
  switch (c.resolution) {
    case Resolution::server: r.host_map[c.host] = "127.0.0.1"; break;
    case Resolution::other_server: r.host_map[c.host] = kStaleAddress; break;
    case Resolution::address:
    case Resolution::none: break;  // The driver resolves no unmapped name.
  }
  r.timeout_ms = c.timeout_ms;
  r.tcp_connect_timeout_ms = c.tcp_connect_timeout_ms;
  r.activation_timeout_ms = c.activation_timeout_ms;
  r.wait_for_paint_ms = 1000;
  r.stay_ms = c.stay_ms;
  r.auto_reconnect = c.auto_reconnect;
  return r;
}

void Environment::start_holders(int wanted, const RunnerOptions& options, int timeout_ms) {
  auto& d = *impl_;
  if (!d.server || wanted <= 0) return;
  // Held sessions: real clients that reach the active session and stay until stop().
  for (int i = 0; i < wanted; ++i) {
    ClientSpec holder;
    holder.user = "holder" + std::to_string(i + 1);
    holder.security = {SecurityProtocol::tls};
    holder.timeout_ms = 600000;
    holder.stay_ms = 590000;
    auto req = client_request(holder);
    d.holders.emplace_back([&d, req, driver = options.driver_path, cancel = options.cancel_requested] {
      client::RunOptions ro;
      ro.driver_path = driver;
      ro.on_phase = [&d](Phase p, double) {
        if (p != Phase::active) return;
        std::lock_guard lock(d.holder_mu);
        ++d.holders_active;
        d.holder_cv.notify_all();
      };
      ro.stop_requested = [&d, cancel] { return d.stop_holders.load() || (cancel && cancel()); };
      client::run_driver(req, ro);
      std::lock_guard lock(d.holder_mu);
      ++d.holders_ended;
      d.holder_cv.notify_all();
    });
  }
  std::unique_lock lock(d.holder_mu);
  const bool ok = d.holder_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                       [&] { return d.holders_active >= wanted || d.holders_ended > 0; });
  if (!ok || d.holders_active < wanted) {
    lock.unlock();
    stop();
    throw std::runtime_error("the clients meant to hold " + std::to_string(wanted) +
                             " session(s) did not reach the active session");
  }
}

std::vector<Mismatch> compare(const Expectation& e, const ConnectResult& r) {
  std::vector<Mismatch> out;
  if (e.outcome != r.outcome) out.push_back({"outcome", std::string(to_string(e.outcome)), std::string(to_string(r.outcome))});
  if (e.phase != r.phase_reached) {
    out.push_back({"phase", std::string(to_string(e.phase)), std::string(to_string(r.phase_reached))});
  }
  if (e.freerdp_error) {
    const std::string seen = r.freerdp_error_name.empty() ? "ERRBASE_SUCCESS" : r.freerdp_error_name;
    if (*e.freerdp_error != seen) out.push_back({"freerdp_error", *e.freerdp_error, seen});
  }
  if (e.error_info && *e.error_info != r.server_error_info.value_or(0)) {
    out.push_back({"error_info", hex(*e.error_info), r.server_error_info ? hex(*r.server_error_info) : "none"});
  }
  if (e.certificate && *e.certificate != r.cert_reason) {
    out.push_back({"certificate", std::string(to_string(*e.certificate)), std::string(to_string(r.cert_reason))});
  }
  if (e.tcp_connections && *e.tcp_connections != r.tcp_connections) {
    out.push_back({"tcp_connections", std::to_string(*e.tcp_connections), std::to_string(r.tcp_connections)});
  }
  for (const auto& [phase, at_least] : e.phase_ms_at_least) {
    double spent = 0;
    for (const auto& t : r.phases) {
      if (t.phase == phase) spent += t.ms;
    }
    if (spent < at_least) {
      char seen[32];
      std::snprintf(seen, sizeof seen, "%.1f ms", spent);
      out.push_back({"phase_ms." + std::string(to_string(phase)), ">= " + std::to_string(at_least) + " ms", seen});
    }
  }
  if (e.mstsc && e.mstsc->code != r.mstsc_code) {
    out.push_back({"mstsc.code", hex(e.mstsc->code), hex(r.mstsc_code)});
  }
  return out;
}

int held_ms(const std::vector<fakeserver::TraceEvent>& trace) {
  // Per connection (of each server or proxy), the largest held_ms it reported: the session's
  // `closed` and its link's `link` event both carry the connection's running total.
  std::map<std::pair<std::string, std::uint64_t>, std::int64_t> per;
  for (const auto& e : trace) {
    if (e.event != "closed" && e.event != "link") continue;
    const auto it = e.data.find("held_ms");
    if (it == e.data.end() || !it->is_number_integer()) continue;
    const std::string label = e.data.value("server", std::string());
    auto& v = per[{label, e.conn}];
    v = std::max<std::int64_t>(v, it->get<std::int64_t>());
  }
  std::int64_t total = 0;
  for (const auto& [k, v] : per) total += v;
  return static_cast<int>(std::min<std::int64_t>(total, std::numeric_limits<int>::max()));
}

RunRecord run_once(const ServerSpec& server, const ClientSpec& client, const Expectation& expect,
                   const RunnerOptions& options, std::uint64_t seed) {
  RunRecord rec;
  const auto start = Clock::now();
  auto trace = std::make_shared<fakeserver::MemoryTrace>();
  try {
    Environment env(server, client, trace, 0, "127.0.0.1", seed);
    env.start_holders(server.held_sessions, options, client.timeout_ms);
    const auto req = env.client_request(client);
    // A second client that logs on as the same user once the first one is active.
    std::thread second;
    std::atomic<bool> second_started{false};
    client::RunOptions ro;
    ro.driver_path = options.driver_path;
    ro.stop_requested = options.cancel_requested;
    // A filtered port: a real packet filter in a namespace of the driver's own where one can be
    // made, else the environment's full accept queue; the trace says which and why.
    std::unique_ptr<FilteredNamespace> netns;
    if (server.reachability == Reachability::filtered) {
      netns = filtered_network_for_driver(*trace, env.client_port());
      if (netns) ro.netns_path = netns->netns_path(), ro.userns_path = netns->userns_path();
    }
    if (client.second_client) {
      ro.on_phase = [&](Phase p, double) {
        if (p != Phase::active || second_started.exchange(true)) return;
        auto req2 = req;
        req2.stay_ms = 0;
        second = std::thread([req2, driver = options.driver_path] {
          client::RunOptions ro2;
          ro2.driver_path = driver;
          client::run_driver(req2, ro2);
        });
      };
    }
    rec.result = client::run_driver(req, ro);
    if (second.joinable()) second.join();
    if (auto* s = env.server()) rec.server_connections = s->connections();
    env.stop();
    // mstsc reports a refused connection (nothing accepted it) as a failed connect.
    if (rec.result.outcome == Outcome::failed && rec.server_connections == 0 &&
        rec.result.freerdp_error_name == "ERRCONNECT_CONNECT_TRANSPORT_FAILED") {
      rec.result.mstsc_code = 0x204;
      rec.result.mstsc_extended = 0;
    }
  } catch (const std::exception& e) {
    rec.error = std::string("could not set up the run: ") + e.what();
  }
  rec.trace = trace->events();
  rec.deliberate_wait_ms = scenario::deliberate_wait_ms(server, client, expect, held_ms(rec.trace));
  if (rec.error.empty()) rec.mismatches = compare(expect, rec.result);
  rec.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return rec;
}

ScenarioOutcome run_scenario(const scenario::Scenario& s, const RunnerOptions& options) {
  ScenarioOutcome o;
  o.scenario = &s;
  const auto start = Clock::now();
  o.seed = options.seed ? *options.seed : s.seed ? *s.seed : random_seed();
  auto cancelled = [&] { return options.cancel_requested && options.cancel_requested(); };
  if (cancelled()) {
    o.interrupted = true;
    return o;
  }
  o.broken = run_once(s.server, s.client, s.expect, options, o.seed);
  if (!cancelled()) o.fixed = run_once(s.fixed_server, s.fixed_client, s.expect_after_fix, options, o.seed);
  o.interrupted = cancelled();
  o.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return o;
}

namespace {

/// What a configuration's faults plan to hold the run: their after_ms and *_ms parameters.
int planned_hold_ms(const scenario::ServerSpec& server) {
  long long ms = 0;
  for (const auto& f : server.faults) {
    ms += f.where.after_ms;
    if (!f.unit) continue;
    const auto p = f.unit->params();
    if (!p.is_object()) continue;
    for (const auto& [key, value] : p.items()) {
      if (key.size() > 3 && key.compare(key.size() - 3, 3, "_ms") == 0 && value.is_number()) {
        ms += value.get<long long>();
      }
    }
  }
  return static_cast<int>(std::min<long long>(ms, 3'600'000));
}

constexpr int kRunFloorMs = 300;  // A run with no wait: server, driver process, FreeRDP.

}  // namespace

int expected_cost_ms(const scenario::Scenario& s) {
  auto run = [](const scenario::ServerSpec& srv, const scenario::ClientSpec& c, const scenario::Expectation& e) {
    return kRunFloorMs + scenario::deliberate_wait_ms(srv, c, e, planned_hold_ms(srv));
  };
  return run(s.server, s.client, s.expect) + run(s.fixed_server, s.fixed_client, s.expect_after_fix);
}

std::vector<std::size_t> schedule(const std::vector<const scenario::Scenario*>& scenarios) {
  std::vector<std::size_t> order(scenarios.size());
  std::vector<int> cost(scenarios.size());
  for (std::size_t i = 0; i < scenarios.size(); ++i) order[i] = i, cost[i] = expected_cost_ms(*scenarios[i]);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
  return order;
}

std::vector<std::size_t> shard(const std::vector<const scenario::Scenario*>& scenarios, int k, int n) {
  if (n < 1 || k < 1 || k > n) throw std::invalid_argument("shard K/N needs 1 <= K <= N");
  std::vector<std::size_t> order(scenarios.size());
  std::vector<int> cost(scenarios.size());
  for (std::size_t i = 0; i < scenarios.size(); ++i) order[i] = i, cost[i] = expected_cost_ms(*scenarios[i]);
  // Most costly first, ties by name: the same split whatever order the catalog was read in.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return cost[a] != cost[b] ? cost[a] > cost[b] : scenarios[a]->name < scenarios[b]->name;
  });
  std::vector<long long> load(static_cast<std::size_t>(n), 0);
  std::vector<std::size_t> mine;
  for (auto i : order) {
    const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += cost[i];
    if (least == static_cast<std::size_t>(k - 1)) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

std::vector<ScenarioOutcome> run_all(const std::vector<const scenario::Scenario*>& scenarios,
                                     const RunnerOptions& options) {
  std::vector<ScenarioOutcome> out(scenarios.size());
  const auto order = schedule(scenarios);  // Longest first; results stay in the given order.
  std::atomic<std::size_t> next{0};
  std::mutex report_mu;
  auto worker = [&] {
    for (;;) {
      const std::size_t at = next++;
      if (at >= scenarios.size()) return;
      const std::size_t i = order[at];
      if (options.cancel_requested && options.cancel_requested()) {
        out[i].scenario = scenarios[i];  // Never started: reported as interrupted.
        out[i].interrupted = true;
        continue;
      }
      if (options.on_start) {
        std::lock_guard lock(report_mu);
        options.on_start(*scenarios[i]);
      }
      out[i] = run_scenario(*scenarios[i], options);
      if (options.on_done) {
        std::lock_guard lock(report_mu);
        options.on_done(out[i]);
      }
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(scenarios.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace rdpfault::harness
