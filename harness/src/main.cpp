// rdpfault: reproduce RDP connection failures on demand and prove each documented fix.
#include <exception>
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rdpfault: reproduce RDP connection failures and prove their fixes"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  rdpfault run --all                             the whole catalog: break, symptom, fix, result\n"
      "  rdpfault list                                  the scenarios, grouped by phase\n"
      "  rdpfault serve tls-cert-expired --port 3389    one scenario's broken server, for any client\n"
      "  rdpfault explain 0x904/0x7                     what a code means and which scenarios produce it\n"
      "  rdpfault faults                                the fault kinds, where each acts, their keys\n"
      "  rdpfault proxy --upstream HOST:3389 --fault latency:direction=both,latency_ms=300\n"
      "  rdpfault demo                                  fake server + FreeRDP client, phase by phase\n"
      "  rdpfault serve --port 0                        a healthy fake RDP server on 127.0.0.1\n"
      "  rdpfault connect 127.0.0.1:3389 --accept-any-cert");
  namespace c = rdpfault::cli;
  const c::Subcommand subs[] = {c::add_run(app),     c::add_list(app),    c::add_serve(app), c::add_explain(app),
                                c::add_validate(app), c::add_docs(app),    c::add_faults(app), c::add_proxy(app),
                                c::add_connect(app), c::add_demo(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const auto& s : subs) {
      if (s.app->parsed()) return s.run();
    }
  } catch (const std::exception& e) {
    std::cerr << "rdpfault: error: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
