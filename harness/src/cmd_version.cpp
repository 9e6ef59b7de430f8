// rdpfault version: the version, and with -v where the catalog and the driver are found.
#include <iostream>

#include "commands.hpp"
#include "errors.hpp"
#include "paths.hpp"
#include "rdpfault/harness/report.hpp"

namespace rdpfault::cli {

const Described kExitCodes[5] = {
    {"0", "success: every scenario behaved, the files are valid, the client connected"},
    {"1", "the command ran and found a problem: a scenario misbehaved, a scenario file has problems "
          "(validate), the client did not reach the active session (connect, demo), no code matched "
          "(explain), a generated page is stale (docs --check)"},
    {"2", "bad usage or bad input: an unknown command or option, a value out of range, an unknown "
          "scenario name, a file that is not a valid scenario (run), a path given that does not exist"},
    {"3", "an environment problem: a port in use, the FreeRDP driver missing, a file that cannot be "
          "written, a server that cannot start"},
    {"128+N", "stopped by signal N (130: Ctrl-C, 143: SIGTERM): run ends the scenarios under way, "
              "leaves no process or temporary file behind and writes its reports, which mark the "
              "interrupted scenarios"},
};

const Described kEnvironmentVariables[5] = {
    {"RDPFAULT_CATALOG", "the scenario directory used when no --catalog is given (before the catalog "
                         "installed with rdpfault: ../share/rdpfault/catalog relative to the binary, then the "
                         "configured share directory)"},
    {"RDPFAULT_DRIVER", "the rdpfault-driver program to run when no --driver is given (before the one "
                        "installed with rdpfault: next to the binary or in ../libexec/rdpfault)"},
    {"RDPFAULT_NO_NETNS", "set to 1: do not use a private network namespace with an nftables rule for "
                          "a filtered port (tcp-firewall-drop); a listener whose accept queue is full "
                          "stands in for it"},
    {"RDPFAULT_PASSWORD", "the password for serve --user and connect when neither --password-file nor "
                          "--password is given"},
    {"NO_COLOR", "when set and not empty, no colour (as --color never)"},
};

std::string top_level_footer() {
  std::string s =
      "Examples:\n"
      "  rdpfault run --all                             the whole catalog: break, symptom, fix, result\n"
      "  rdpfault run tls-cert-expired my-cause.toml    some scenarios, from the catalog or from files\n"
      "  rdpfault list                                  the scenarios, grouped by phase\n"
      "  rdpfault serve tls-cert-expired --port 3389    one scenario's broken server, for any client\n"
      "  rdpfault explain 0x904/0x7                     what a code means and which scenarios produce it\n"
      "  rdpfault validate my-cause.toml                problems in a scenario file, as file:line:col\n"
      "  rdpfault faults                                the fault kinds, where each acts, their keys\n"
      "  rdpfault proxy --upstream HOST:3389 --fault latency:direction=both,latency_ms=300\n"
      "  rdpfault demo                                  fake server + FreeRDP client, phase by phase\n"
      "  rdpfault connect 127.0.0.1:3389 --accept-any-cert\n"
      "\nEach command has its own --help with an example.\n\nExit status:\n";
  for (const auto& e : kExitCodes) s += std::string("  ") + e.name + "  " + e.text + "\n";
  s += "\nEnvironment:\n";
  for (const auto& e : kEnvironmentVariables) s += std::string("  ") + e.name + ": " + e.text + "\n";
  s += "\nMore: man rdpfault; the scenario file format: scenarios/README.md (installed in "
       "/usr/share/doc/rdpfault).";
  return s;
}

Subcommand add_version(CLI::App& app) {
  auto verbose = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("version", "Print the version (with -v: where the catalog and the driver are found)");
  sub->add_flag("-v,--verbose", *verbose, "Also show the catalog and driver in use and every place looked in");
  sub->footer("Examples:\n  rdpfault version\n  rdpfault version -v        which catalog and driver a run would use");
  return {sub, [verbose] {
            std::cout << "rdpfault " << harness::version() << "\n";
            if (!*verbose) return kOk;
            std::string catalog, driver;
            try {
              const auto c = default_catalog();
              catalog = c.path + " (" + c.how + ")";
            } catch (const std::exception& e) {
              catalog = std::string("none: ") + e.what();
            }
            try {
              const auto d = resolve_driver("");
              driver = d.path + " (" + d.how + ")";
            } catch (const std::exception& e) {
              driver = std::string("none: ") + e.what();
            }
            std::cout << "catalog: " << catalog << "\n";
            std::cout << "driver:  " << driver << "\n";
            std::cout << "catalog search order:\n";
            for (const auto& c : catalog_candidates()) std::cout << "  " << c.path << " (" << c.how << ")\n";
            std::cout << "driver search order:\n";
            for (const auto& d : driver_candidates()) std::cout << "  " << d.path << " (" << d.how << ")\n";
            return kOk;
          }};
}

}  // namespace rdpfault::cli
