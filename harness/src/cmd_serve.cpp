// rdpfault serve: a fake RDP server for any client, with its trace on stdout.
#include <signal.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include <boost/system/system_error.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "secrets.hpp"
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
  std::string password;  // --password (warned about), else --password-file, else RDPFAULT_PASSWORD.
  bool password_given = false;
  std::string password_file;
  std::string domain;
  bool security_given = false;
  std::string scenario;  // Serve this scenario's world instead of a healthy server.
  bool fixed = false;
  std::vector<std::string> catalogs;
};

/// The bind error of a listener, without Boost's source location: "cannot listen on
/// 127.0.0.1:3389: address already in use" (exit 3).
[[noreturn]] void listen_failed(const std::string& address, std::uint16_t port, const std::error_code& ec) {
  throw EnvironmentError("cannot listen on " + address + ":" + std::to_string(port) + ": " + error_code_text(ec));
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) throw EnvironmentError("cannot read " + path);
  return ss.str();
}


/// `rdpfault serve NAME [--fixed]`: one scenario's broken (or fixed) world, for any client.
int run_serve_scenario(const ServeOptions& o, const std::string& listen) {
  const auto catalog = load_catalogs_reporting(o.catalogs);
  const auto* sc = find_scenario(catalog, o.scenario);
  if (!sc) return kUsage;
  auto server_spec = o.fixed ? sc->fixed_server : sc->server;
  const auto& client_spec = o.fixed ? sc->fixed_client : sc->client;
  // Faults given on the command line come on top of the scenario's own.
  if (!parse_fault_specs(o.faults, server_spec.faults)) return kUsage;
  if (!o.write_ca.empty()) check_output_file(o.write_ca, "the CA certificate");
  const std::uint64_t seed = o.seed_given ? o.seed : sc->seed ? *sc->seed : harness::random_seed();
  auto trace = std::make_shared<ServeTrace>(o.format);
  const auto sigs = block_stop_signals();
  raise_fd_limit();
  std::unique_ptr<harness::Environment> env_ptr;
  try {
    env_ptr = std::make_unique<harness::Environment>(server_spec, client_spec, trace, o.port, listen, seed);
  } catch (const boost::system::system_error& e) {
    listen_failed(listen, o.port, std::error_code(e.code()));
  } catch (const std::system_error& e) {
    listen_failed(listen, o.port, e.code());
  }
  auto& env = *env_ptr;
  if (server_spec.held_sessions > 0) {
    harness::RunnerOptions ro;
    ro.driver_path = resolve_driver("").path;
    env.start_holders(server_spec.held_sessions, ro, 20000);
  }
  if (!o.write_ca.empty()) write_output_file(o.write_ca, read_whole_file(env.ca_file()), kPublicFile, "the CA certificate");
  nlohmann::json hello = {{"event", "listening"},
                          {"scenario", sc->name},
                          {"state", o.fixed ? "fixed" : "broken"},
                          {"seed", seed},
                          {"address", listen},
                          {"port", env.client_port()},
                          {"ca_file", o.write_ca.empty() ? env.ca_file() : o.write_ca}};
  std::cout << hello.dump() << '\n' << std::flush;
  std::cerr << "rdpfault: scenario " << sc->name << " (" << (o.fixed ? "fixed" : "broken") << ") on " << listen << ":"
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
  return kOk;
}

int run_serve(const ServeOptions& o) {
  const auto listen = resolve_listen_address(o.listen, "--listen");
  warn_if_not_loopback(listen);
  if (!o.scenario.empty()) return run_serve_scenario(o, listen);
  fakeserver::ServerConfig config;
  config.listen_address = listen;
  config.port = o.port;
  config.handshake_timeout = std::chrono::milliseconds(o.handshake_timeout_ms);
  config.acceptor.allow_rdp = config.acceptor.allow_tls = false;
  for (const auto& s : o.security) {
    if (s == "rdp") config.acceptor.allow_rdp = true;
    if (s == "tls") config.acceptor.allow_tls = true;
    if (s == "nla") config.acceptor.allow_nla = true;
  }
  if (!o.user.empty()) {
    const auto password =
        choose_password(o.password_file, o.password_given ? std::optional(o.password) : std::nullopt);
    if (!password) {
      throw UsageError("--user " + o.user + " needs a password: --password-file FILE (mode 0600), RDPFAULT_PASSWORD, "
                       "or --password (readable by other users)");
    }
    config.accounts.push_back({o.user, o.domain, *password, scenario::AccountState::active});
    if (!o.security_given) config.acceptor.allow_nla = true;  // An account means NLA is offered.
  }
  if (config.acceptor.allow_nla && config.accounts.empty()) {
    throw UsageError("--sec nla needs an account (--user, and a password)");
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
  if (!parse_fault_specs(specs, config.faults)) return kUsage;
  if (!o.write_ca.empty()) check_output_file(o.write_ca, "the CA certificate");
  config.seed = o.seed_given ? o.seed : harness::random_seed();
  auto trace = std::make_shared<ServeTrace>(o.format);
  config.trace = trace;

  // Block the signals before the I/O thread exists, so only sigtimedwait below sees them.
  const auto sigs = block_stop_signals();
  // Each session holds a socket: let the server use every descriptor it may.
  raise_fd_limit();
  fakeserver::Server server(config);
  try {
    server.start();
  } catch (const boost::system::system_error& e) {
    listen_failed(listen, o.port, std::error_code(e.code()));
  } catch (const std::system_error& e) {
    listen_failed(listen, o.port, e.code());
  }
  const auto& certs = server.certificates();
  if (!o.write_ca.empty()) write_output_file(o.write_ca, certs.ca.cert_pem(), kPublicFile, "the CA certificate");
  nlohmann::json hello = {{"event", "listening"},
                          {"address", listen},
                          {"port", server.port()},
                          {"seed", config.seed},
                          {"ca_sha256", certs.ca.sha256_fingerprint()},
                          {"cert_sha256", certs.leaf.sha256_fingerprint()}};
  if (!o.write_ca.empty()) hello["ca_file"] = o.write_ca;
  std::cout << hello.dump() << '\n' << std::flush;
  std::cerr << "rdpfault: serving RDP on " << listen << ":" << server.port() << " (Ctrl-C stops)\n"
            << "rdpfault: try: rdpfault connect " << listen << ":" << server.port()
            << (o.write_ca.empty() ? " --accept-any-cert" : " --ca " + o.write_ca) << "\n";

  serve_until_stopped(sigs, *trace, o.exit_after);
  server.stop();
  trace->flush();
  return kOk;
}

}  // namespace

Subcommand add_serve(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("serve", "Run a fake RDP server (healthy, or a scenario's); prints its trace");
  sub->add_option("scenario", o->scenario, "Serve this scenario's broken server (see `rdpfault list`)")
      ->type_name("SCENARIO");
  sub->add_flag("--fixed", o->fixed, "Serve the scenario with its fix applied")->needs(sub->get_option("scenario"));
  add_catalog_option(sub, o->catalogs);
  sub->add_option("--port", o->port, "TCP port; 0 picks a free one and prints it")
      ->check(whole_number(0, 65535))
      ->capture_default_str();
  sub->add_option("--listen", o->listen, "Address to bind, or a name such as localhost (loopback unless you mean otherwise)")
      ->capture_default_str();
  sub->add_option("--sec", o->security, "Security protocols the server allows")
      ->delimiter(',')
      ->check(CLI::IsMember({"tls", "rdp", "nla"}))
      ->each([o](const std::string&) { o->security_given = true; })
      ->capture_default_str();
  auto* user = sub->add_option("--user", o->user, "Add an NLA account; the server then offers NLA (CredSSP with NTLM)");
  auto* pw = sub->add_option("--password", o->password,
                             "The account's password; other users can read it in the process list: prefer "
                             "--password-file or RDPFAULT_PASSWORD (never logged or traced)")
                 ->needs(user)
                 ->each([o](const std::string&) { o->password_given = true; });
  sub->add_option("--password-file", o->password_file,
                  "Read the account's password from this file (mode 0600 or stricter; one line)")
      ->type_name("FILE")
      ->needs(user)
      ->excludes(pw);
  sub->add_option("--domain", o->domain, "The account's domain (empty: any)")->needs(user);
  sub->add_option("--fault", o->faults,
                  "A fault, KIND:key=value,... (repeatable, applied in order); `rdpfault faults` lists the kinds")
      ->allow_extra_args(false)
      ->take_all();
  sub->add_option("--seed", o->seed, "Seed for the faults' randomness (printed when not given)")
      ->check(whole_number(0, kMaxU64))
      ->each([o](const std::string&) { o->seed_given = true; });
  sub->add_option("--stall-in", o->stall_in, "Go silent in this phase (= --fault stall:phase=PHASE)")
      ->check(CLI::IsMember({"connection_initiation", "security_upgrade", "basic_settings_exchange",
                             "channel_connection", "secure_settings_exchange", "capabilities_exchange",
                             "finalization", "active"}));
  sub->add_option("--tls-cut-after", o->tls_cut_after,
                  "Send only this many bytes of the TLS handshake, then stall "
                  "(= --fault stall:direction=to_client,during=security_upgrade,after_bytes=N)")
      ->check(whole_number(0, std::uint64_t{1} << 30));
  sub->add_option("--write-ca", o->write_ca, "Write the test CA certificate (PEM) to this file")->type_name("FILE");
  sub->add_option("--format", o->format, "Trace format on stdout")->check(CLI::IsMember({"json", "text", "none"}))
      ->capture_default_str();
  sub->add_option("--exit-after", o->exit_after, "Exit once this many connections have closed (0: never)")
      ->check(whole_number(0, kMaxU64));
  sub->add_option("--handshake-timeout-ms", o->handshake_timeout_ms,
                  "Bound on each wait for the client before the session is active")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  sub->footer(
      "Examples:\n"
      "  rdpfault serve --port 0 --write-ca ./rdpfault-ca.pem --format text    a healthy server; trust ./rdpfault-ca.pem\n"
      "  rdpfault serve tls-cert-expired --port 3390                           a scenario's broken server\n"
      "  rdpfault serve tls-cert-expired --port 3390 --fixed                   ... and with its fix\n"
      "  rdpfault serve --port 3390 --user alice --password-file ./alice.pw    NLA (chmod 600 ./alice.pw)\n"
      "  rdpfault serve --port 3390 --fault latency:direction=both,latency_ms=400 --fault error_info:phase=licensing,error_info=7");
  return {sub, [o] { return run_serve(*o); }};
}

}  // namespace rdpfault::cli
