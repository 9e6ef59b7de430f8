// rdpfault faults: every fault kind, where it acts and its keys, from the registry.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::cli {

Subcommand add_faults(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("faults", "List the fault kinds: where each acts and the keys it takes");
  sub->add_flag("--json", *json, "As JSON");
  sub->footer(
      "Example:\n  rdpfault faults\n"
      "A kind is written as a [[server.faults]] table in a scenario file, or as --fault KIND:key=value,...\n"
      "to `rdpfault serve` and `rdpfault proxy`, e.g. --fault latency:direction=both,latency_ms=300");
  return {sub, [json] {
            if (*json) {
              std::cout << faults::kinds_json().dump(2) << "\n";
            } else {
              std::cout << faults::describe_kinds();
            }
            return 0;
          }};
}

}  // namespace rdpfault::cli
