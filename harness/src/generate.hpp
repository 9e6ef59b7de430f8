#pragma once
// The man page and the bash completion, generated at build time from the command line itself
// (`rdpfault --generate-man FILE --generate-bash-completion FILE`, hidden options), so both
// list exactly the subcommands, options, defaults and examples --help shows.
#include <string>

#include <CLI/CLI.hpp>

namespace rdpfault::cli {

/// rdpfault(1) in roff (man(7) macros).
std::string man_page(const CLI::App& app);
/// A bash completion script: subcommands, their options, the values of options that take
/// one of a few words, file and directory names where a path goes, and scenario names (asked
/// of `rdpfault list --names` when completing, with the --catalog options typed so far).
std::string bash_completion(const CLI::App& app);

void write_man_page(const CLI::App& app, const std::string& path);
void write_bash_completion(const CLI::App& app, const std::string& path);

}  // namespace rdpfault::cli
