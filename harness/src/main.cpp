// rdpfault: reproduce RDP connection failures on demand and prove each documented fix.
#include <exception>
#include <iostream>

#include <boost/system/system_error.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "generate.hpp"
#include "rdpfault/harness/report.hpp"
#include "secrets.hpp"

namespace {

namespace c = rdpfault::cli;

std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (const auto* o : app->get_options()) {
    if (o->get_group().empty()) continue;  // Hidden.
    for (const auto& n : o->get_lnames()) out.push_back("--" + n);
    for (const auto& n : o->get_snames()) out.push_back("-" + n);
  }
  return out;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const auto* s : app.get_subcommands({})) {
    if (!s->get_group().empty()) out.push_back(s->get_name());
  }
  return out;
}

/// The subcommand being parsed when an error struck (nullptr: the top level).
const CLI::App* parsed_subcommand(const CLI::App& app) {
  for (const auto* s : app.get_subcommands()) return s;
  return nullptr;
}

std::string label(const CLI::App* sub) { return sub ? "rdpfault " + sub->get_name() : std::string("rdpfault"); }

/// CLI11's errors, reworded: the unknown word named, with the closest one it could have been.
int report_parse_error(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* sub = parsed_subcommand(app);
  const std::string who = label(sub);
  const std::string hint = "Run '" + who + " --help' for " + (sub ? "its options and an example." : "the commands.");
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    std::vector<std::string> extras = sub ? sub->remaining() : app.remaining();
    if (extras.empty()) extras = app.remaining();
    for (const auto& x : extras) {
      if (x.size() > 1 && x[0] == '-') {
        const auto name = x.substr(0, x.find('='));
        std::cerr << who << ": unknown option '" << name << "'" << c::did_you_mean(name, option_names(sub ? sub : &app))
                  << "\n";
      } else if (!sub) {
        std::cerr << "rdpfault: unknown command '" << x << "'" << c::did_you_mean(x, command_names(app)) << "\n";
      } else {
        std::cerr << who << ": unexpected argument '" << x << "'\n";
      }
    }
  } else {
    std::cerr << who << ": " << e.what() << "\n";
  }
  std::cerr << hint << "\n";
  return c::kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rdpfault: reproduce RDP connection failures and prove their fixes", "rdpfault"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  std::string man_page, completion;
  app.add_flag("-V,--version", show_version, "Print the version and exit");
  app.add_option("--generate-man", man_page, "Write the man page (build step)")->group("");
  app.add_option("--generate-bash-completion", completion, "Write the bash completion (build step)")->group("");
  const c::Subcommand subs[] = {c::add_run(app),      c::add_list(app),    c::add_serve(app),  c::add_explain(app),
                                c::add_validate(app), c::add_docs(app),    c::add_faults(app), c::add_proxy(app),
                                c::add_connect(app),  c::add_demo(app),    c::add_version(app)};
  app.footer(c::top_level_footer());

  // "rdpfault bogus": CLI11 would only say that a subcommand is required.
  if (argc > 1 && argv[1][0] != '-') {
    const auto names = command_names(app);
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::cerr << "rdpfault: unknown command '" << argv[1] << "'" << c::did_you_mean(argv[1], names) << "\n"
                << "Run 'rdpfault --help' for the commands.\n";
      return c::kUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e);
  }
  c::scrub_password_arguments(argc, argv);
  try {
    if (!man_page.empty() || !completion.empty()) {
      if (!man_page.empty()) c::write_man_page(app, man_page);
      if (!completion.empty()) c::write_bash_completion(app, completion);
      return c::kOk;
    }
    if (show_version) {
      std::cout << "rdpfault " << rdpfault::harness::version() << "\n";
      return c::kOk;
    }
    for (const auto& s : subs) {
      if (s.app->parsed()) return s.run();
    }
    std::cerr << "rdpfault: give a command, e.g. `rdpfault run --all`; `rdpfault --help` lists them all\n";
    return c::kUsage;
  } catch (const c::UsageError& e) {
    std::cerr << "rdpfault: " << e.what() << "\n";
    return c::kUsage;
  } catch (const CLI::ParseError& e) {  // A value checked after parsing (split_host_port).
    return report_parse_error(app, e);
  } catch (const boost::system::system_error& e) {
    std::cerr << "rdpfault: " << c::error_code_text(std::error_code(e.code())) << "\n";
    return c::kEnvironment;
  } catch (const std::exception& e) {
    std::cerr << "rdpfault: " << c::without_source_locations(e.what()) << "\n";
    return c::kEnvironment;
  }
}
