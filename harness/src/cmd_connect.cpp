// rdpfault connect: run the FreeRDP driver against a host and report what the client saw.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "paths.hpp"
#include "secrets.hpp"
#include "rdpfault/client/driver.hpp"

namespace rdpfault::cli {
namespace {

struct ConnectOptions {
  std::string target;
  std::vector<std::string> security = {"tls", "nla", "rdp"};
  std::string ca_file;
  bool accept_any = false;
  std::string user, password, domain, cert_name, password_file, driver;
  bool password_given = false;
  int timeout_ms = 20000;
  int tcp_timeout_ms = 5000;
  int activation_timeout_ms = 9000;
  bool json = false;
};

int run_connect(const ConnectOptions& o) {
  ConnectRequest req;
  std::tie(req.host, req.port) = split_host_port(o.target);
  req.security.clear();
  for (const auto& s : o.security) req.security.push_back(*security_protocol_from_string(s));
  req.cert_policy = o.accept_any ? CertPolicy::accept_any : !o.ca_file.empty() ? CertPolicy::trust_ca
                                                                               : CertPolicy::reject_untrusted;
  req.ca_file = o.ca_file;
  req.cert_name = o.cert_name;
  req.username = o.user;
  req.password = choose_password(o.password_file, o.password_given ? std::optional(o.password) : std::nullopt)
                     .value_or(std::string());
  req.domain = o.domain;
  req.timeout_ms = o.timeout_ms;
  req.tcp_connect_timeout_ms = o.tcp_timeout_ms;
  req.activation_timeout_ms = o.activation_timeout_ms;

  client::RunOptions run;
  run.driver_path = resolve_driver(o.driver).path;
  if (!o.json) {
    run.on_phase = [](Phase p, double ms) {
      std::cerr << "  " << std::fixed << std::setprecision(1) << ms << " ms  " << to_string(p) << "\n";
    };
    std::cerr << "rdpfault: connecting to " << req.host << ":" << req.port << "\n";
  }
  auto result = client::run_driver(req, run);
  if (o.json) {
    std::cout << to_json(result).dump(2) << "\n";
  } else {
    std::cout << client::describe(result);
  }
  return result.outcome == Outcome::connected ? kOk : kFindings;
}

}  // namespace

Subcommand add_connect(CLI::App& app) {
  auto o = std::make_shared<ConnectOptions>();
  auto* sub = app.add_subcommand("connect", "Connect the FreeRDP 2.11 client driver and report what it saw");
  sub->add_option("target", o->target, "HOST:PORT (port defaults to 3389)")->required()->type_name("HOST:PORT");
  sub->add_option("--sec", o->security, "Security protocols the client enables, in any order")
      ->delimiter(',')
      ->check(CLI::IsMember({"tls", "nla", "rdp"}))
      ->capture_default_str();
  auto* ca = sub->add_option("--ca", o->ca_file, "Trust this CA certificate (PEM) and nothing else")
                 ->check(CLI::ExistingFile)
                 ->type_name("FILE");
  auto* any = sub->add_flag("--accept-any-cert", o->accept_any, "Accept whatever certificate the server presents");
  ca->excludes(any);
  sub->add_option("--cert-name", o->cert_name, "Check the certificate against this name instead of HOST");
  sub->add_option("--user", o->user, "User name");
  auto* pw = sub->add_option("--password", o->password,
                             "Password; other users can read it in the process list: prefer --password-file or "
                             "RDPFAULT_PASSWORD (never logged)")
                 ->each([o](const std::string&) { o->password_given = true; });
  sub->add_option("--password-file", o->password_file, "Read the password from this file (mode 0600 or stricter; one line)")
      ->type_name("FILE")
      ->excludes(pw);
  sub->add_option("--domain", o->domain, "Domain");
  sub->add_option("--timeout-ms", o->timeout_ms, "Hard deadline for the whole attempt")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  sub->add_option("--tcp-timeout-ms", o->tcp_timeout_ms, "FreeRDP's TCP connect timeout")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  sub->add_option("--activation-timeout-ms", o->activation_timeout_ms,
                  "FreeRDP's budget from negotiation to the active session (TcpAckTimeout)")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  sub->add_flag("--json", o->json, "Print the result as JSON");
  sub->add_option("--driver", o->driver, "Path of rdpfault-driver (default: $RDPFAULT_DRIVER, else the installed one)")
      ->type_name("FILE");
  sub->footer("Examples:\n  rdpfault connect 127.0.0.1:3389 --accept-any-cert\n"
              "  rdpfault connect 127.0.0.1:3390 --ca ./rdpfault-ca.pem --sec tls --json\n"
              "  RDPFAULT_PASSWORD=... rdpfault connect 127.0.0.1:3390 --sec nla --user alice --accept-any-cert");
  return {sub, [o] { return run_connect(*o); }};
}

}  // namespace rdpfault::cli
