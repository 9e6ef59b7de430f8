#pragma once
// What `serve` and `proxy` share: the trace on stdout, the wait for Ctrl-C, --fault specs.
#include <signal.h>

#include <cstdint>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "rdpfault/fakeserver/trace.hpp"
#include "rdpfault/faults/registry.hpp"

namespace rdpfault::cli {

/// Prints each event (JSON lines or text) and counts closed connections.
class ServeTrace final : public fakeserver::TraceSink {
 public:
  explicit ServeTrace(std::string format) : format_(std::move(format)) {}
  void record(const fakeserver::TraceEvent& e) override {
    std::lock_guard lock(mu_);
    if (format_ == "none") {
      // Counted only.
    } else if (format_ == "json") {
      std::cout << e.to_json_line() << '\n';
    } else {
      std::cout << fakeserver::format_event(e) << '\n';
    }
    // Lines are flushed by flush() every 100 ms and at every close, not one write per event.
    if (e.event == "closed") std::cout.flush();
    if (e.event == "closed") ++closed_;
  }
  std::uint64_t closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }
  void flush() {
    std::lock_guard lock(mu_);
    std::cout.flush();
  }

 private:
  std::mutex mu_;
  std::string format_;
  std::uint64_t closed_ = 0;
};


/// Flushes the trace every 100 ms until SIGINT/SIGTERM (blocked in `sigs`) or, with
/// exit_after, until that many connections have closed.
inline void serve_until_stopped(const sigset_t& sigs, ServeTrace& trace, std::uint64_t exit_after) {
  timespec tick{0, 100'000'000};
  for (;;) {
    const int sig = sigtimedwait(&sigs, nullptr, &tick);
    trace.flush();
    if (sig == SIGINT || sig == SIGTERM) return;
    if (exit_after > 0 && trace.closed() >= exit_after) return;
  }
}


/// Parses each `--fault` spec into `out`; prints every problem and returns false on any.
inline bool parse_fault_specs(const std::vector<std::string>& specs, std::vector<faults::Fault>& out) {
  bool ok = true;
  for (const auto& spec : specs) {
    auto r = faults::parse_fault_spec(spec);
    for (const auto& p : r.problems) std::cerr << "rdpfault: --fault " << spec << ": " << p.to_string() << "\n";
    if (r.fault) {
      out.push_back(std::move(*r.fault));
    } else {
      ok = false;
    }
  }
  for (const auto& [i, msg] : faults::check_fault_list(out)) {
    std::cerr << "rdpfault: --fault " << specs[i] << ": " << msg << "\n";
    ok = false;
  }
  return ok;
}


/// Blocks SIGINT and SIGTERM on this thread (before any other thread exists), so only
/// serve_until_stopped sees them; returns the set.
inline sigset_t block_stop_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  return sigs;
}

}  // namespace rdpfault::cli
