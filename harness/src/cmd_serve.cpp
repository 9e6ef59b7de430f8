// rdpfault serve: a fake RDP server for any client, with its trace on stdout.
#include <signal.h>
#include <sys/resource.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "options.hpp"
#include "serve_common.hpp"
#include "rdpfault/fakeserver/server.hpp"
#include "rdpfault/faults/registry.hpp"
#include "rdpfault/harness/runner.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::cli {
namespace {

struct ServeOptions {
  std::uint16_t port = 3389;
  std::string listen = "127.0.0.1";
  std::vector<std::string> security = {"tls", "rdp"};
  std::string stall_in;
  std::int64_t tls_cut_after = -1;
  std::vector<std::string> faults;  // KIND:key=value,... (rdpfault faults lists the kinds)
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string write_ca;
  std::string format = "json";  // json, text or none
  std::uint64_t exit_after = 0;
  int handshake_timeout_ms = 30000;
  std::string user;      // An NLA account (the server then offers NLA unless --sec says otherwise).
  std::string password;
  std::string domain;
  bool security_given = false;
  std::string scenario;  // Serve this scenario's world instead of a healthy server.
  bool fixed = false;
  std::string catalog = default_catalog_dir();
};


/// `rdpfault serve NAME [--fixed]`: one scenario's broken (or fixed) world, for any client.
int run_serve_scenario(const ServeOptions& o) {
  auto catalog = scenario::load_catalog(o.catalog);
  for (const auto& d : catalog.diagnostics) std::cerr << d.to_string() << "\n";
  const auto* sc = find_scenario(catalog, o.scenario);
  if (!sc) return 2;
  auto server_spec = o.fixed ? sc->fixed_server : sc->server;
  const auto& client_spec = o.fixed ? sc->fixed_client : sc->client;
  // Faults given on the command line come on top of the scenario's own.
  if (!parse_fault_specs(o.faults, server_spec.faults)) return 2;
  const std::uint64_t seed = o.seed_given ? o.seed : sc->seed ? *sc->seed : harness::random_seed();
  auto trace = std::make_shared<ServeTrace>(o.format);
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  harness::Environment env(server_spec, client_spec, trace, o.port, o.listen, seed);
  harness::RunnerOptions ro;
  env.start_holders(server_spec.held_sessions, ro, 20000);
  if (!o.write_ca.empty()) std::filesystem::copy_file(env.ca_file(), o.write_ca, std::filesystem::copy_options::overwrite_existing);
  nlohmann::json hello = {{"event", "listening"},
                          {"scenario", sc->name},
                          {"state", o.fixed ? "fixed" : "broken"},
                          {"seed", seed},
                          {"address", o.listen},
                          {"port", env.client_port()},
                          {"ca_file", o.write_ca.empty() ? env.ca_file() : o.write_ca}};
  std::cout << hello.dump() << '\n' << std::flush;
  std::cerr << "rdpfault: scenario " << sc->name << " (" << (o.fixed ? "fixed" : "broken") << ") on " << o.listen << ":"
            << env.client_port() << "\n"
            << "rdpfault: cause: " << sc->cause << "\n";
  if (o.fixed) {
    std::cerr << "rdpfault: the fix applied: " << sc->fix << "\n";
  } else {
    std::cerr << "rdpfault: the fix: " << sc->fix << "\n"
              << "rdpfault: serve it fixed with: rdpfault serve " << sc->name << " --fixed\n";
  }
  for (const auto& a : server_spec.accounts) {
    // The password is test data in the scenario file; it is not printed.
    std::cerr << "rdpfault: NLA account " << (a.domain.empty() ? "" : a.domain + "\\") << a.user << " ("
              << scenario::to_string(a.state) << "; password: see " << sc->file << ")\n";
  }
  if (client_spec.resolution != scenario::Resolution::address) {
    std::cerr << "rdpfault: the client connects to " << client_spec.host << "; map that name to "
              << (client_spec.resolution == scenario::Resolution::other_server ? "127.0.0.2 (the stale record)"
                                                                                : "127.0.0.1")
              << " in the client machine's hosts file to see what the scenario's client sees\n";
  }
  serve_until_stopped(sigs, *trace, o.exit_after);
  env.stop();
  trace->flush();
  return 0;
}

int run_serve(const ServeOptions& o) {
  if (!o.scenario.empty()) return run_serve_scenario(o);
  fakeserver::ServerConfig config;
  config.listen_address = o.listen;
  config.port = o.port;
  config.handshake_timeout = std::chrono::milliseconds(o.handshake_timeout_ms);
  config.acceptor.allow_rdp = config.acceptor.allow_tls = false;
  for (const auto& s : o.security) {
    if (s == "rdp") config.acceptor.allow_rdp = true;
    if (s == "tls") config.acceptor.allow_tls = true;
    if (s == "nla") config.acceptor.allow_nla = true;
  }
  if (!o.user.empty()) {
    config.accounts.push_back({o.user, o.domain, o.password, scenario::AccountState::active});
    if (!o.security_given) config.acceptor.allow_nla = true;  // An account means NLA is offered.
  }
  if (config.acceptor.allow_nla && config.accounts.empty()) {
    std::cerr << "rdpfault: --sec nla needs an account (--user and --password)\n";
    return 2;
  }
  // --stall-in and --tls-cut-after are shorthands for two --fault specs.
  std::vector<std::string> specs = o.faults;
  if (!o.stall_in.empty()) {
    specs.insert(specs.begin(), o.stall_in == "active" ? "stall:phase=active,after_ms=0" : "stall:phase=" + o.stall_in);
  }
  if (o.tls_cut_after >= 0) {
    specs.insert(specs.begin(),
                 "stall:direction=to_client,during=security_upgrade,after_bytes=" + std::to_string(o.tls_cut_after));
  }
  if (!parse_fault_specs(specs, config.faults)) return 2;
  config.seed = o.seed_given ? o.seed : harness::random_seed();
  auto trace = std::make_shared<ServeTrace>(o.format);
  config.trace = trace;

  // Block the signals before the I/O thread exists, so only sigtimedwait below sees them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  // Each session holds a socket: let the server use every descriptor it may.
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  fakeserver::Server server(config);
  server.start();
  const auto& certs = server.certificates();
  if (!o.write_ca.empty()) certs::write_cert_file(o.write_ca, certs.ca);
  nlohmann::json hello = {{"event", "listening"},
                          {"address", o.listen},
                          {"port", server.port()},
                          {"seed", config.seed},
                          {"ca_sha256", certs.ca.sha256_fingerprint()},
                          {"cert_sha256", certs.leaf.sha256_fingerprint()}};
  if (!o.write_ca.empty()) hello["ca_file"] = o.write_ca;
  std::cout << hello.dump() << '\n' << std::flush;
  std::cerr << "rdpfault: serving RDP on " << o.listen << ":" << server.port() << " (Ctrl-C stops)\n"
            << "rdpfault: try: rdpfault connect " << o.listen << ":" << server.port()
            << (o.write_ca.empty() ? " --accept-any-cert" : " --ca " + o.write_ca) << "\n";

  serve_until_stopped(sigs, *trace, o.exit_after);
  server.stop();
  trace->flush();
  return 0;
}

}  // namespace

Subcommand add_serve(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("serve", "Run a fake RDP server (healthy, or a scenario's); prints its trace");
  sub->add_option("scenario", o->scenario, "Serve this scenario's broken server (see `rdpfault list`)");
  sub->add_flag("--fixed", o->fixed, "Serve the scenario with its fix applied")->needs(sub->get_option("scenario"));
  sub->add_option("--catalog", o->catalog, "Scenario directory")->capture_default_str();
  sub->add_option("--port", o->port, "TCP port; 0 picks a free one and prints it")->capture_default_str();
  sub->add_option("--listen", o->listen, "Address to bind (loopback unless you mean otherwise)")
      ->capture_default_str();
  sub->add_option("--sec", o->security, "Security protocols the server allows")
      ->delimiter(',')
      ->check(CLI::IsMember({"tls", "rdp", "nla"}))
      ->each([o](const std::string&) { o->security_given = true; })
      ->capture_default_str();
  sub->add_option("--user", o->user, "Add an NLA account; the server then offers NLA (CredSSP with NTLM)");
  sub->add_option("--password", o->password, "The account's password (never logged or traced)")
      ->needs(sub->get_option("--user"));
  sub->add_option("--domain", o->domain, "The account's domain (empty: any)")->needs(sub->get_option("--user"));
  sub->add_option("--fault", o->faults,
                  "A fault, KIND:key=value,... (repeatable, applied in order); `rdpfault faults` lists the kinds")
      ->take_all();
  sub->add_option("--seed", o->seed, "Seed for the faults' randomness (printed when not given)")
      ->each([o](const std::string&) { o->seed_given = true; });
  sub->add_option("--stall-in", o->stall_in, "Go silent in this phase (= --fault stall:phase=PHASE)")
      ->check(CLI::IsMember({"connection_initiation", "security_upgrade", "basic_settings_exchange",
                             "channel_connection", "secure_settings_exchange", "capabilities_exchange",
                             "finalization", "active"}));
  sub->add_option("--tls-cut-after", o->tls_cut_after,
                  "Send only this many bytes of the TLS handshake, then stall "
                  "(= --fault stall:direction=to_client,during=security_upgrade,after_bytes=N)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
  sub->add_option("--write-ca", o->write_ca, "Write the test CA certificate (PEM) to this file");
  sub->add_option("--format", o->format, "Trace format on stdout")->check(CLI::IsMember({"json", "text", "none"}))
      ->capture_default_str();
  sub->add_option("--exit-after", o->exit_after, "Exit once this many connections have closed (0: never)");
  sub->add_option("--handshake-timeout-ms", o->handshake_timeout_ms,
                  "Bound on each wait for the client before the session is active")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  sub->footer(
      "Examples:\n  rdpfault serve --port 0 --write-ca /tmp/rdpfault-ca.pem --format text\n"
      "  rdpfault serve --port 3390 --fault latency:direction=both,latency_ms=400 --fault error_info:phase=licensing,error_info=7");
  warn_if_not_loopback(sub, o->listen);
  return {sub, [o] { return run_serve(*o); }};
}

}  // namespace rdpfault::cli
