#pragma once
// The `rdpfault` subcommands. Each registers its options on the CLI11 app and returns the
// subcommand with the function that runs it; main.cpp only wires them together.
#include <functional>

#include <CLI/CLI.hpp>

namespace rdpfault::cli {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Subcommand add_serve(CLI::App& app);
Subcommand add_connect(CLI::App& app);
Subcommand add_demo(CLI::App& app);

}  // namespace rdpfault::cli
