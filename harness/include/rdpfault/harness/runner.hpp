#pragma once
/// The scenario runner: break -> expect the symptom -> fix -> expect the result after the fix.
///
/// For each run it builds the world the scenario describes (fake server with its faults and
/// certificate, a proxy on the path when the network conditions sit there, closed or filtered
/// ports, a port forwarder, a second server behind a stale name, clients that hold sessions),
/// runs the FreeRDP driver against it, and compares what the client reports with the
/// expectation field by field. Everything binds loopback addresses
/// only and every wait is bounded by the scenario's deadlines.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rdpfault/fakeserver/server.hpp"
#include "rdpfault/fakeserver/trace.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::harness {

/// One field where the observation differs from the expectation.
struct Mismatch {
  std::string field;
  std::string expected;
  std::string observed;
};

/// One client run against one configuration.
struct RunRecord {
  ConnectResult result;
  std::vector<Mismatch> mismatches;
  std::vector<fakeserver::TraceEvent> trace;  ///< Everything the server(s) recorded during the run.
  std::uint64_t server_connections = 0;       ///< Connections the server under test accepted.
  int deliberate_wait_ms = 0;
  double wall_ms = 0;
  std::string error;  ///< The environment could not be built (the run counts as failed).
  bool passed() const { return error.empty() && mismatches.empty(); }
};

struct ScenarioOutcome {
  const scenario::Scenario* scenario = nullptr;
  std::uint64_t seed = 0;  ///< Seeded every random choice of both runs.
  /// The run was cancelled (RunnerOptions::cancel_requested) before or while it ran: its
  /// results are partial or absent, and it does not count as passed.
  bool interrupted = false;
  RunRecord broken;
  RunRecord fixed;
  double wall_ms = 0;
  bool passed() const { return !interrupted && broken.passed() && fixed.passed(); }
};

struct RunnerOptions {
  std::string driver_path;  ///< Empty: the default lookup of client::run_driver.
  int jobs = 1;
  /// Seeds every scenario's faults (replays a run); unset: the scenario's own seed, else a random one.
  std::optional<std::uint64_t> seed;
  std::function<void(const scenario::Scenario&)> on_start;  ///< From worker threads, serialised.
  std::function<void(const ScenarioOutcome&)> on_done;      ///< From worker threads, serialised.
  /// Polled (about every 100 ms while a client runs, and between scenarios): when it returns
  /// true, running clients are killed, no new scenario starts, and the outcomes say
  /// `interrupted`. Must be cheap and thread-safe (e.g. an atomic a signal handler sets).
  std::function<bool()> cancel_requested;
};

/// Compares a client's report with an expectation. Fields the expectation leaves out are not
/// compared; outcome and phase always are.
std::vector<Mismatch> compare(const scenario::Expectation& expect, const ConnectResult& observed);

/// Runs one configuration once, its faults seeded with `seed`.
RunRecord run_once(const scenario::ServerSpec& server, const scenario::ClientSpec& client,
                   const scenario::Expectation& expect, const RunnerOptions& options, std::uint64_t seed = 1);

/// A fresh seed (below 2^63, so a scenario file can hold it).
std::uint64_t random_seed();

/// What a scenario is expected to take, from its file alone: both runs' deliberate waits
/// (scenario::deliberate_wait_ms, with the holds its faults plan: their after_ms and every
/// *_ms parameter) plus a floor per run for the connection itself. Used to schedule and shard.
int expected_cost_ms(const scenario::Scenario& s);

/// The order run_all starts `scenarios` in: the most expected cost first (ties: as given), so
/// the long waits overlap instead of starting last. Indices into `scenarios`.
std::vector<std::size_t> schedule(const std::vector<const scenario::Scenario*>& scenarios);

/// Shard `k` of `n` (1 <= k <= n): a stable split balanced by expected cost (each scenario,
/// most costly first, goes to the shard with the least cost so far; ties by name), so N CI
/// jobs each running `run --shard K/N` together run every scenario once. Indices into
/// `scenarios`, in the order given.
std::vector<std::size_t> shard(const std::vector<const scenario::Scenario*>& scenarios, int k, int n);

/// Broken run, then fixed run.
ScenarioOutcome run_scenario(const scenario::Scenario& s, const RunnerOptions& options);

/// Runs the scenarios on `options.jobs` threads; results in the order given.
std::vector<ScenarioOutcome> run_all(const std::vector<const scenario::Scenario*>& scenarios,
                                     const RunnerOptions& options);

/// The world of one run, for `rdpfault serve NAME`: servers, blockers, forwarder and holders
/// live as long as this object.
class Environment {
 public:
  /// `port` 0 picks one. Throws std::runtime_error when something cannot be set up.
  Environment(const scenario::ServerSpec& server, const scenario::ClientSpec& client,
              std::shared_ptr<fakeserver::TraceSink> trace, std::uint16_t port = 0,
              std::string listen_address = "127.0.0.1", std::uint64_t seed = 1);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  /// Where the client connects: host (a name when the scenario resolves one) and port.
  std::uint16_t client_port() const;
  /// The driver request for the scenario's client against this world.
  ConnectRequest client_request(const scenario::ClientSpec& client) const;
  /// PEM file of the CA the fake servers' certificates chain to.
  const std::string& ca_file() const;
  fakeserver::Server* server();  ///< The server under test, when one listens.
  /// Starts `count` clients that hold sessions; returns once they are all active (throws if
  /// they are not within timeout_ms). They stay until stop().
  void start_holders(int count, const RunnerOptions& options, int timeout_ms);
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rdpfault::harness
