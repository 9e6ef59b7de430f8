#pragma once
// Small helpers shared by the subcommands' option handling.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "errors.hpp"
#include "paths.hpp"

namespace rdpfault::cli {

/// The --catalog option (repeatable), the same in every subcommand.
inline CLI::Option* add_catalog_option(CLI::App* sub, std::vector<std::string>& dirs) {
  return sub->add_option("--catalog", dirs, kCatalogHelp)->type_name("DIR")->allow_extra_args(false)->take_all();
}

/// A validator for a whole number in [lo, hi], written without sign: "-1" for an unsigned
/// option is refused by name instead of wrapping around to 18446744073709551615.
inline CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) -> std::string {
        const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
          return "'" + s + "' is not " + range + (s.rfind('-', 0) == 0 ? " (negative values are not allowed)" : "");
        }
        errno = 0;
        const unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
        if (errno == ERANGE || v < lo || v > hi) return "'" + s + "' is out of range: give " + range;
        return {};
      },
      lo == 0 && hi == std::numeric_limits<std::uint64_t>::max() ? std::string()
                                                                 : "[" + std::to_string(lo) + " - " + std::to_string(hi) + "]",
      "WHOLE_NUMBER");
}
inline constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

inline bool is_loopback(const std::string& addr) {
  return addr == "::1" || addr == "localhost" || addr.rfind("127.", 0) == 0;
}

/// The numeric address to bind for `host`: an IPv4 or IPv6 literal as given, "localhost" as
/// 127.0.0.1, another name resolved (its first address). Throws UsageError naming `flag`.
inline std::string resolve_listen_address(const std::string& host, const std::string& flag) {
  if (host.empty()) throw UsageError(flag + ": give an address to listen on (e.g. 127.0.0.1)");
  in6_addr a6{};
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1) return host;
  if (host == "localhost") return "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    throw UsageError(flag + " " + host + ": cannot resolve the name (" + gai_strerror(rc) + ")");
  }
  char buf[NI_MAXHOST] = {};
  const int ni = getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(res);
  if (ni != 0) throw UsageError(flag + " " + host + ": cannot resolve the name (" + gai_strerror(ni) + ")");
  return buf;
}

/// The fake server binds loopback unless the user explicitly asks otherwise; say so when they do.
inline void warn_if_not_loopback(const std::string& listen) {
  if (!is_loopback(listen)) {
    std::cerr << "rdpfault: warning: listening on " << listen << ", which is not a loopback address\n";
  }
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
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) throw std::out_of_range("port");
    int p = std::stoi(port, &used);
    if (used != port.size() || p < (default_port == 0 ? 0 : 1) || p > 65535) throw std::out_of_range("port");
    return {host, static_cast<std::uint16_t>(p)};
  } catch (const std::exception&) {
    throw CLI::ValidationError("HOST:PORT", "'" + port + "' in '" + s + "' is not a port number (" +
                                                (default_port == 0 ? "0" : "1") + "-65535)");
  }
}

/// Each connection holds a socket (and a scenario run a few more: its servers, blockers and
/// driver pipes): raise the soft limit on open files to the hard one. Returns {old, new}.
inline std::pair<rlim_t, rlim_t> raise_fd_limit() {
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) return {0, 0};
  const rlim_t old = nofile.rlim_cur;
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) return {old, old};
  }
  return {old, nofile.rlim_cur};
}

}  // namespace rdpfault::cli
