#pragma once
/// A real packet filter for "the port is filtered", in a network namespace of the run's own.
///
/// `FilteredNamespace` makes a private network namespace (loopback up, nothing else in it)
/// whose nftables ruleset drops TCP SYNs to one port, or to every port. The client driver is
/// then started inside it (client::RunOptions::netns_path): its SYNs to 127.0.0.1:port vanish
/// as they would at a firewall that drops, and the host's own network and firewall are never
/// touched. As root the namespace is a plain CLONE_NEWNET; otherwise it is owned by a user
/// namespace of ours (CLONE_NEWUSER, our uid and gid mapped to 0), where unprivileged user
/// namespaces are allowed.
///
/// A small helper process holds the namespace: it is forked here, unshares, brings lo up,
/// loads the ruleset with `nft -f -`, reports over a pipe and then waits until this object
/// closes the other end of a second pipe, or until the thread that made the object dies
/// (PR_SET_PDEATHSIG). Nothing outlives the object or the process that made it. Every wait
/// (readiness, teardown) is bounded.
///
/// `RDPFAULT_NO_NETNS=1` in the environment makes probe() report the technique unavailable,
/// so the accept-queue fallback can be exercised on a machine that could do better.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace rdpfault::fakeserver {
class TraceSink;
}

namespace rdpfault::harness {

class FilteredNamespace {
 public:
  struct Support {
    bool available = false;
    /// Available: what will be used ("as root: CLONE_NEWNET; nft /usr/sbin/nft"); otherwise why
    /// not (RDPFAULT_NO_NETNS set, nft missing, not root and no unprivileged user namespaces,
    /// unshare failed: <errno text>, ...).
    std::string reason;
  };

  /// Whether a FilteredNamespace can be made here. The first call that gets past the cheap
  /// checks makes (and tears down) a real one, including entering it from a child process;
  /// that answer is cached for the process. RDPFAULT_NO_NETNS is read on every call.
  static Support probe();

  /// A namespace whose ruleset drops TCP SYNs to `port` (0: to every port). Throws
  /// std::runtime_error with the reason when it cannot be made within `timeout`.
  explicit FilteredNamespace(std::uint16_t port,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  /// Closes the hold pipe, kills the helper and reaps it (bounded).
  ~FilteredNamespace();
  FilteredNamespace(const FilteredNamespace&) = delete;
  FilteredNamespace& operator=(const FilteredNamespace&) = delete;

  pid_t helper_pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  /// `/proc/<helper>/ns/net`: for setns(CLONE_NEWNET).
  const std::string& netns_path() const { return netns_path_; }
  /// `/proc/<helper>/ns/user` when a user namespace owns the network namespace (not root);
  /// empty otherwise. Enter it first (setns(CLONE_NEWUSER)), then the network namespace.
  const std::string& userns_path() const { return userns_path_; }
  /// The nftables ruleset the helper loaded.
  const std::string& ruleset() const { return ruleset_; }

 private:
  void teardown();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int hold_fd_ = -1;  ///< Write end of the hold pipe; closing it tells the helper to exit.
  std::uint16_t port_ = 0;
  std::string netns_path_;
  std::string userns_path_;
  std::string ruleset_;
};

/// The technique for a run whose port is "filtered". When FilteredNamespace::probe() says it
/// can, returns a namespace dropping SYNs to `port` (the driver must run in it); otherwise, or
/// when making it fails, nullptr (the caller's full accept queue on the host's loopback stays
/// the technique). Either way records a trace event "network" with data
/// {"technique": "nftables in a private network namespace" | "full accept queue",
///  "reason": ..., "port": port}.
std::unique_ptr<FilteredNamespace> filtered_network_for_driver(fakeserver::TraceSink& trace, std::uint16_t port);

}  // namespace rdpfault::harness
