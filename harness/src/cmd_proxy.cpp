// rdpfault proxy: network conditions in front of any RDP server (Windows, xrdp, our own).
#include <iostream>

#include <boost/system/system_error.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "rdpfault/fakeserver/proxy.hpp"
#include "rdpfault/harness/runner.hpp"
#include "serve_common.hpp"

namespace rdpfault::cli {
namespace {

struct ProxyOptions {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  std::vector<std::string> faults;
  std::string scenario;
  bool fixed = false;
  std::vector<std::string> catalogs;
  std::string format = "json";
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::uint64_t exit_after = 0;
  int connect_timeout_ms = 5000;
};

int run_proxy(const ProxyOptions& o) {
  fakeserver::ProxyConfig cfg;
  std::tie(cfg.listen_address, cfg.port) = split_host_port(o.listen, 0);
  cfg.listen_address = resolve_listen_address(cfg.listen_address, "--listen");
  warn_if_not_loopback(cfg.listen_address);
  std::tie(cfg.upstream_host, cfg.upstream_port) = split_host_port(o.upstream);
  cfg.connect_timeout = std::chrono::milliseconds(o.connect_timeout_ms);
  std::optional<std::uint64_t> scenario_seed;
  if (!o.scenario.empty()) {
    const auto catalog = load_catalogs_reporting(o.catalogs);
    const auto* sc = find_scenario(catalog, o.scenario);
    if (!sc) return kUsage;
    const auto& spec = o.fixed ? sc->fixed_server : sc->server;
    bool ok = true;
    for (const auto& f : spec.faults) {
      if (auto why = faults::proxy_cannot_apply(f)) {
        std::cerr << "rdpfault: scenario " << sc->name << ": " << *why << "\n";
        ok = false;
      } else {
        cfg.faults.push_back(f);
      }
    }
    if (!ok) return kUsage;
    if (cfg.faults.empty()) {
      std::cerr << "rdpfault: scenario " << sc->name << (o.fixed ? " (fixed)" : "")
                << " has no network condition for a proxy to apply: its cause is in the server or the client "
                   "(`rdpfault serve " << sc->name << "` serves it)\n";
      return kUsage;
    }
    scenario_seed = sc->seed;
  }
  const std::size_t scenario_faults = cfg.faults.size();
  if (!parse_fault_specs(o.faults, cfg.faults)) return kUsage;
  for (std::size_t i = scenario_faults; i < cfg.faults.size(); ++i) {
    if (auto why = faults::proxy_cannot_apply(cfg.faults[i])) {
      std::cerr << "rdpfault: --fault " << o.faults[i - scenario_faults] << ": " << *why << "\n";
      return kUsage;
    }
  }
  cfg.seed = o.seed_given ? o.seed : scenario_seed ? *scenario_seed : harness::random_seed();
  auto trace = std::make_shared<ServeTrace>(o.format);
  cfg.trace = trace;
  const auto sigs = block_stop_signals();
  raise_fd_limit();  // Two sockets per connection.
  fakeserver::Proxy proxy(cfg);
  try {
    proxy.start();
  } catch (const boost::system::system_error& e) {
    throw EnvironmentError("cannot listen on " + cfg.listen_address + ":" + std::to_string(cfg.port) + ": " +
                           error_code_text(std::error_code(e.code())));
  } catch (const std::system_error& e) {
    throw EnvironmentError("cannot listen on " + cfg.listen_address + ":" + std::to_string(cfg.port) + ": " +
                           error_code_text(e.code()));
  }
  nlohmann::json hello = {{"event", "listening"},
                          {"by", "proxy"},
                          {"address", cfg.listen_address},
                          {"port", proxy.port()},
                          {"upstream", cfg.upstream_host + ":" + std::to_string(cfg.upstream_port)},
                          {"seed", cfg.seed},
                          {"faults", nlohmann::json::array()}};
  for (const auto& f : cfg.faults) hello["faults"].push_back(f.describe());
  std::cout << hello.dump() << '\n' << std::flush;
  std::cerr << "rdpfault: proxy on " << cfg.listen_address << ":" << proxy.port() << " -> " << cfg.upstream_host << ":"
            << cfg.upstream_port << " with " << cfg.faults.size() << " fault(s) (Ctrl-C stops)\n";
  serve_until_stopped(sigs, *trace, o.exit_after);
  proxy.stop();
  trace->flush();
  return kOk;
}

}  // namespace

Subcommand add_proxy(CLI::App& app) {
  auto o = std::make_shared<ProxyOptions>();
  auto* sub = app.add_subcommand("proxy", "Put network conditions (latency, bandwidth, cuts, MTU black holes...) "
                                          "in front of any RDP server; prints its trace");
  sub->add_option("--listen", o->listen, "ADDRESS:PORT to listen on (port 0 picks one and prints it)")
      ->capture_default_str();
  sub->add_option("--upstream", o->upstream, "HOST:PORT of the RDP server behind the proxy")->required();
  sub->add_option("--fault", o->faults, "A network condition, KIND:direction=...,key=value,... (repeatable)")
      ->allow_extra_args(false)
      ->take_all();
  sub->add_option("--scenario", o->scenario, "Apply this catalog scenario's network conditions")->type_name("SCENARIO");
  sub->add_flag("--fixed", o->fixed, "With --scenario: its fixed configuration")->needs(sub->get_option("--scenario"));
  add_catalog_option(sub, o->catalogs);
  sub->add_option("--seed", o->seed, "Seed for the faults' randomness (printed when not given)")
      ->check(whole_number(0, kMaxU64))
      ->each([o](const std::string&) { o->seed_given = true; });
  sub->add_option("--format", o->format, "Trace format on stdout")->check(CLI::IsMember({"json", "text", "none"}))
      ->capture_default_str();
  sub->add_option("--exit-after", o->exit_after, "Exit once this many connections have closed (0: never)")
      ->check(whole_number(0, kMaxU64));
  sub->add_option("--connect-timeout-ms", o->connect_timeout_ms, "Bound on reaching the upstream server")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  sub->footer(
      "Examples:\n"
      "  rdpfault proxy --listen 127.0.0.1:3390 --upstream 127.0.0.1:3389 --fault latency:direction=both,latency_ms=300\n"
      "  rdpfault proxy --listen 127.0.0.1:3390 --upstream 127.0.0.1:3389 --scenario net-mtu-blackhole");
  return {sub, [o] { return run_proxy(*o); }};
}

}  // namespace rdpfault::cli
