#pragma once
// Small helpers shared by the subcommands' option handling.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

namespace rdpfault::cli {

/// The scenario catalog: $RDPFAULT_CATALOG, else the source tree's scenarios/catalog.
inline std::string default_catalog_dir() {
  if (const char* env = std::getenv("RDPFAULT_CATALOG"); env && *env) return env;
  return RDPFAULT_SOURCE_CATALOG;
}

inline bool is_loopback(const std::string& addr) {
  return addr == "::1" || addr == "localhost" || addr.rfind("127.", 0) == 0;
}

/// The fake server binds loopback unless the user explicitly asks otherwise; say so when they do.
inline void warn_if_not_loopback(CLI::App* sub, const std::string& listen) {
  sub->final_callback([&listen] {
    if (!is_loopback(listen)) {
      std::cerr << "rdpfault: warning: listening on " << listen << ", which is not a loopback address\n";
    }
  });
}

/// Splits "host:port" (or "[v6]:port"; "host" alone gets `default_port`); throws
/// CLI::ValidationError naming the input. Port 0 is accepted only when `default_port` is 0
/// (a listener that picks its own port).
inline std::pair<std::string, std::uint16_t> split_host_port(const std::string& s, int default_port = 3389) {
  std::string host;
  std::string port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      throw CLI::ValidationError("HOST:PORT", "'" + s + "' is not [IPv6]:PORT");
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return {s, static_cast<std::uint16_t>(default_port)};
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  try {
    std::size_t used = 0;
    int p = std::stoi(port, &used);
    if (used != port.size() || p < (default_port == 0 ? 0 : 1) || p > 65535) throw std::out_of_range("port");
    return {host, static_cast<std::uint16_t>(p)};
  } catch (const std::exception&) {
    throw CLI::ValidationError("HOST:PORT", "'" + port + "' in '" + s + "' is not a port number (1-65535)");
  }
}

}  // namespace rdpfault::cli
