#pragma once
// The `rdpfault` subcommands. Each registers its options on the CLI11 app and returns the
// subcommand with the function that runs it; main.cpp only wires them together.
#include <functional>

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

/// The scenario called `name`, or nullptr after printing a "did you mean" to stderr.
const scenario::Scenario* find_scenario(const scenario::Catalog& c, const std::string& name);

}  // namespace rdpfault::cli
