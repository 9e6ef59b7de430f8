#pragma once
// The `rdpfault` subcommands. Each registers its options on the CLI11 app and returns the
// subcommand with the function that runs it; main.cpp only wires them together. A run
// function returns an exit code (errors.hpp) or throws UsageError / EnvironmentError.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::cli {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Subcommand add_serve(CLI::App& app);
Subcommand add_connect(CLI::App& app);
Subcommand add_demo(CLI::App& app);
Subcommand add_run(CLI::App& app);
Subcommand add_list(CLI::App& app);
Subcommand add_validate(CLI::App& app);
Subcommand add_docs(CLI::App& app);
Subcommand add_explain(CLI::App& app);
Subcommand add_faults(CLI::App& app);
Subcommand add_proxy(CLI::App& app);
Subcommand add_version(CLI::App& app);

/// The top-level --help footer: examples, exit codes, environment.
std::string top_level_footer();

/// The exit codes and the environment variables, as the help, the man page and README give them.
struct Described {
  const char* name;
  const char* text;
};
extern const Described kExitCodes[5];
extern const Described kEnvironmentVariables[5];

/// The scenario called `name`, or nullptr after printing a "did you mean" to stderr.
const scenario::Scenario* find_scenario(const scenario::Catalog& c, const std::string& name);

/// Loads the scenarios of `dirs` (--catalog values, or the default catalog): problems are
/// printed as file:line:col; the good scenarios are returned with the problems.
scenario::Catalog load_catalogs_reporting(const std::vector<std::string>& dirs);

}  // namespace rdpfault::cli
