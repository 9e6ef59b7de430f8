// rdpfault: reproduce RDP connection failures on demand and prove each documented fix.
#include <exception>
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rdpfault: reproduce RDP connection failures and prove their fixes"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  rdpfault demo                                  fake server + FreeRDP client, phase by phase\n"
      "  rdpfault serve --port 0                        a healthy fake RDP server on 127.0.0.1\n"
      "  rdpfault connect 127.0.0.1:3389 --accept-any-cert");
  const rdpfault::cli::Subcommand subs[] = {rdpfault::cli::add_serve(app), rdpfault::cli::add_connect(app),
                                            rdpfault::cli::add_demo(app)};
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
