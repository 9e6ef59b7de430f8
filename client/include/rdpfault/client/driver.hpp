#pragma once
/// The client driver: the real FreeRDP 2.11 client, run out of process and bounded in time.
///
/// `run_driver` starts `rdpfault-driver`, hands it the request (password included) on a pipe,
/// follows the phases it reports, and returns its result. Whatever FreeRDP does — fail, hang
/// in a wait it has no timeout for, crash — comes back as an outcome:
///   connected  freerdp_connect() returned TRUE (the session was active);
///   failed     FreeRDP gave up with an error, including its own activation timeout
///              (TcpAckTimeout: last error 0, detail says so);
///   timed_out  the request's deadline fired first; the driver cancelled FreeRDP
///              (abort, then shutdown of its sockets) and reports the phase it hung in;
///   crashed    the driver process died (signal set) or exited without a result.
/// The parent kills the driver's process group at timeout_ms + grace_ms whatever happens.
#include <functional>
#include <string>

#include "rdpfault/scenario/connect.hpp"

namespace rdpfault::client {

struct RunOptions {
  /// Path of rdpfault-driver. Empty: $RDPFAULT_DRIVER, then next to the running executable,
  /// then where the build put it.
  std::string driver_path;
  int grace_ms = 3000;
  /// Called as the client enters each phase (ms since the driver started), on the caller's thread.
  std::function<void(Phase, double)> on_phase;
  /// Polled about every 100 ms; when it returns true the driver is killed at once and the
  /// result says so (for clients that hold a session until the harness is done with them).
  std::function<bool()> stop_requested;
  /// Run the driver inside this network namespace (a path such as /proc/<pid>/ns/net, entered
  /// with setns(CLONE_NEWNET) between fork and exec). Empty: the caller's namespace, and the
  /// driver is started with posix_spawn as usual.
  std::string netns_path;
  /// The user namespace that owns `netns_path`, entered first (setns(CLONE_NEWUSER)) when the
  /// namespace was made without root. Empty: none.
  std::string userns_path;
};

/// Never throws for anything the client or the peer does; thread-safe.
ConnectResult run_driver(const ConnectRequest& request, const RunOptions& options = {});

/// A few lines for humans: outcome, phase, FreeRDP error, server error info, certificate,
/// TLS error, TCP connections, time per phase.
std::string describe(const ConnectResult& result);

}  // namespace rdpfault::client
