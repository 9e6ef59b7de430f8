// rdpfault demo: the fake server and the FreeRDP driver together, phase by phase.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "errors.hpp"
#include "paths.hpp"
#include "rdpfault/client/driver.hpp"
#include "rdpfault/fakeserver/server.hpp"

namespace rdpfault::cli {
namespace {

struct DemoOptions {
  bool show_trace = true;
  int timeout_ms = 20000;
};

int run_demo(const DemoOptions& o) {
  const auto driver = resolve_driver("");
  auto trace = std::make_shared<fakeserver::MemoryTrace>();
  fakeserver::ServerConfig config;
  config.trace = trace;
  fakeserver::Server server(config);
  server.start();

  // The client trusts exactly the CA the server was made with; the file holds no key.
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template = std::string(tmp && *tmp ? tmp : "/tmp") + "/rdpfault-demo-XXXXXX";
  const char* dir = mkdtemp(dir_template.data());
  if (dir == nullptr) throw EnvironmentError("cannot create a temporary directory in " + dir_template + ": " + errno_text(errno));
  const std::string ca_file = std::string(dir) + "/ca.pem";
  certs::write_cert_file(ca_file, server.certificates().ca);

  std::cout << "rdpfault demo: fake RDP server on 127.0.0.1:" << server.port() << " (TLS, test CA "
            << server.certificates().ca.sha256_fingerprint().substr(0, 23) << "...)\n"
            << "FreeRDP 2.11 client driver, trusting that CA:\n";
  ConnectRequest req;
  req.host = "localhost";
  req.port = server.port();
  req.security = {SecurityProtocol::tls};
  req.cert_policy = CertPolicy::trust_ca;
  req.ca_file = ca_file;
  req.username = "demo";
  req.timeout_ms = o.timeout_ms;
  client::RunOptions run;
  run.driver_path = driver.path;
  run.on_phase = [](Phase p, double ms) {
    std::cout << "  client  " << std::fixed << std::setprecision(1) << std::setw(8) << ms << " ms  " << to_string(p)
              << std::endl;
  };
  auto result = client::run_driver(req, run);
  // The server notices the client leaving a moment later; wait (bounded) so the trace is whole.
  trace->wait_until([](const auto& ev) { return std::any_of(ev.begin(), ev.end(), [](auto& e) { return e.event == "closed"; }); },
                    std::chrono::seconds(2));
  server.stop();
  std::filesystem::remove_all(dir);

  std::cout << "\nclient result:\n" << client::describe(result);
  if (o.show_trace) {
    std::cout << "\nserver trace:\n";
    for (const auto& e : trace->events()) std::cout << "  " << fakeserver::format_event(e) << "\n";
  }
  const bool ok = result.outcome == Outcome::connected;
  std::cout << "\n" << (ok ? "PASS" : "FAIL") << ": the FreeRDP client " << (ok ? "reached" : "did not reach")
            << " the active session" << (result.painted ? " and received the server's bitmap update" : "") << "\n";
  return ok ? kOk : kFindings;
}

}  // namespace

Subcommand add_demo(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  auto* sub = app.add_subcommand("demo", "Start a fake server and connect the FreeRDP driver to it");
  sub->add_flag("!--no-trace", o->show_trace, "Do not print the server trace");
  sub->add_option("--timeout-ms", o->timeout_ms, "Hard deadline for the client")->check(CLI::Range(1000, 600000));
  sub->footer("Examples:\n  rdpfault demo\n  rdpfault demo --no-trace     the client's phases and result only");
  return {sub, [o] { return run_demo(*o); }};
}

}  // namespace rdpfault::cli
