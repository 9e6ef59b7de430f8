// rdpfault run / list / validate / docs: the scenario catalog from the command line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "options.hpp"
#include "rdpfault/harness/report.hpp"
#include "rdpfault/harness/runner.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::cli {
namespace {

using harness::ScenarioOutcome;
using scenario::Scenario;

/// Loads the catalog or prints why not; nullopt means "exit 2".
std::optional<scenario::Catalog> load_or_report(const std::string& dir) {
  auto c = scenario::load_catalog(dir);
  if (!c.diagnostics.empty()) {
    for (const auto& d : c.diagnostics) std::cerr << d.to_string() << "\n";
    std::cerr << "rdpfault: the catalog in " << dir << " has " << c.diagnostics.size() << " problem(s)\n";
    return std::nullopt;
  }
  return c;
}

int edit_distance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

const scenario::Scenario* find_scenario(const scenario::Catalog& c, const std::string& name) {
  for (const auto& s : c.scenarios) {
    if (s.name == name) return &s;
  }
  std::string best;
  int best_d = 1 << 30;
  for (const auto& s : c.scenarios) {
    const int d = edit_distance(name, s.name);
    if (d < best_d) {
      best_d = d;
      best = s.name;
    }
  }
  std::cerr << "rdpfault: no scenario named '" << name << "'";
  if (!best.empty() && best_d <= 4) std::cerr << " (did you mean '" << best << "'?)";
  std::cerr << "; `rdpfault list` shows them all\n";
  return nullptr;
}

namespace {

struct RunOptions {
  std::vector<std::string> names;
  bool all = false;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string json;
  std::string junit;
  std::string catalog = default_catalog_dir();
  std::string driver;
  bool quiet = false;
  std::uint64_t seed = 0;
  bool seed_given = false;
};

int run_run(const RunOptions& o) {
  auto catalog = load_or_report(o.catalog);
  if (!catalog) return 2;
  std::vector<const Scenario*> chosen;
  if (o.all) {
    for (const auto& s : catalog->scenarios) chosen.push_back(&s);
  }
  for (const auto& n : o.names) {
    const auto* s = find_scenario(*catalog, n);
    if (!s) return 2;
    if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) chosen.push_back(s);
  }
  if (chosen.empty()) {
    std::cerr << "rdpfault: name the scenarios to run, or pass --all (`rdpfault list` shows them)\n";
    return 2;
  }
  const bool tty = isatty(STDERR_FILENO) && !o.quiet;
  std::size_t done = 0, failed = 0;
  std::vector<std::string> running;
  auto progress = [&] {
    if (!tty) return;
    std::string line = "[" + std::to_string(done) + "/" + std::to_string(chosen.size()) + "] " +
                       std::to_string(failed) + " failed";
    if (!running.empty()) line += " | running: " + running.front();
    if (running.size() > 1) line += " +" + std::to_string(running.size() - 1);
    if (line.size() > 110) line.resize(110);
    std::cerr << "\r\033[K" << line << std::flush;
  };
  harness::RunnerOptions ro;
  ro.jobs = o.jobs;
  ro.driver_path = o.driver;
  if (o.seed_given) ro.seed = o.seed;
  ro.on_start = [&](const Scenario& s) {
    running.push_back(s.name);
    progress();
  };
  ro.on_done = [&](const ScenarioOutcome& r) {
    ++done;
    if (!r.passed()) ++failed;
    running.erase(std::remove(running.begin(), running.end(), r.scenario->name), running.end());
    if (tty) {
      if (!r.passed()) std::cerr << "\r\033[KFAIL " << r.scenario->name << "\n";
      progress();
    } else if (!o.quiet) {
      char t[32];
      std::snprintf(t, sizeof t, "%.1f s", r.wall_ms / 1000);
      std::cerr << (r.passed() ? "PASS " : "FAIL ") << r.scenario->name << " (" << t << ")\n";
    }
  };
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = harness::run_all(chosen, ro);
  const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::cerr << "\r\033[K";

  std::cout << "\n";
  harness::print_table(std::cout, outcomes, 140);
  for (const auto& r : outcomes) {
    if (!r.passed()) harness::print_failure(std::cout, r);
  }
  long long waits = 0;
  for (const auto& r : outcomes) waits += r.broken.deliberate_wait_ms + r.fixed.deliberate_wait_ms;
  char summary[200];
  std::snprintf(summary, sizeof summary, "\n%zu scenarios: %zu passed, %zu failed in %.1f s (jobs %d; deliberate waits %.1f s)\n",
                outcomes.size(), outcomes.size() - failed, failed, wall / 1000, o.jobs, static_cast<double>(waits) / 1000);
  std::cout << summary << std::flush;
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << harness::report_json(outcomes, wall, o.jobs).dump(2) << "\n";
    if (!f) std::cerr << "rdpfault: cannot write " << o.json << "\n";
  }
  if (!o.junit.empty()) {
    std::ofstream f(o.junit);
    f << harness::report_junit(outcomes, wall);
    if (!f) std::cerr << "rdpfault: cannot write " << o.junit << "\n";
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

Subcommand add_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Run scenarios: break, expect the symptom, fix, expect the result");
  sub->add_option("names", o->names, "Scenarios to run (see `rdpfault list`)");
  sub->add_flag("--all", o->all, "Run the whole catalog");
  sub->add_option("--jobs,-j", o->jobs, "Scenarios run at once")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--json", o->json, "Write a JSON report here");
  sub->add_option("--junit", o->junit, "Write a JUnit XML report here");
  sub->add_option("--catalog", o->catalog, "Scenario directory")->capture_default_str();
  sub->add_option("--driver", o->driver, "Path of rdpfault-driver (default: next to rdpfault)");
  sub->add_flag("--quiet,-q", o->quiet, "No progress lines");
  sub->add_option("--seed", o->seed, "Seed every scenario's faults with this (replays a run; reports record the seed)")
      ->each([o](const std::string&) { o->seed_given = true; });
  sub->footer("Examples:\n  rdpfault run --all --jobs 2 --junit report.xml\n  rdpfault run tls-cert-expired");
  return {sub, [o] { return run_run(*o); }};
}

Subcommand add_list(CLI::App& app) {
  auto dir = std::make_shared<std::string>(default_catalog_dir());
  auto* sub = app.add_subcommand("list", "The catalog, grouped by phase: cause, symptom, fix");
  sub->add_option("--catalog", *dir, "Scenario directory")->capture_default_str();
  return {sub, [dir] {
            auto c = load_or_report(*dir);
            if (!c) return 2;
            harness::print_catalog(std::cout, c->scenarios);
            std::cout << "\n" << c->scenarios.size() << " scenarios\n";
            return 0;
          }};
}

Subcommand add_validate(CLI::App& app) {
  struct V {
    std::vector<std::string> files;
    std::string catalog = default_catalog_dir();
  };
  auto o = std::make_shared<V>();
  auto* sub = app.add_subcommand("validate", "Check scenario files; problems are printed as file:line:col");
  sub->add_option("files", o->files, "Scenario files (default: the whole catalog)");
  sub->add_option("--catalog", o->catalog, "Scenario directory")->capture_default_str();
  return {sub, [o] {
            std::vector<scenario::Diagnostic> diags;
            std::size_t ok = 0;
            if (o->files.empty()) {
              auto c = scenario::load_catalog(o->catalog);
              diags = c.diagnostics;
              ok = c.scenarios.size();
            } else {
              for (const auto& f : o->files) {
                auto r = scenario::load_scenario(f);
                diags.insert(diags.end(), r.diagnostics.begin(), r.diagnostics.end());
                ok += r.scenario ? 1 : 0;
              }
            }
            for (const auto& d : diags) std::cerr << d.to_string() << "\n";
            std::cout << ok << " scenario(s) valid, " << diags.size() << " problem(s)\n";
            return diags.empty() ? 0 : 1;
          }};
}

Subcommand add_docs(CLI::App& app) {
  struct D {
    std::string out;
    std::string check;
    std::string catalog = default_catalog_dir();
  };
  auto o = std::make_shared<D>();
  auto* sub = app.add_subcommand("docs", "Generate docs/scenarios.md from the catalog");
  sub->add_option("--out", o->out, "Write here instead of stdout");
  sub->add_option("--check", o->check, "Exit 1 when this file differs from what would be generated");
  sub->add_option("--catalog", o->catalog, "Scenario directory")->capture_default_str();
  return {sub, [o] {
            auto c = load_or_report(o->catalog);
            if (!c) return 2;
            const auto md = harness::catalog_markdown(c->scenarios);
            if (!o->check.empty()) {
              std::ifstream in(o->check);
              std::stringstream ss;
              ss << in.rdbuf();
              if (ss.str() != md) {
                std::cerr << o->check << " is stale: regenerate it with `rdpfault docs --out " << o->check << "`\n";
                return 1;
              }
              std::cout << o->check << " is up to date\n";
              return 0;
            }
            if (o->out.empty()) {
              std::cout << md;
              return 0;
            }
            std::ofstream f(o->out);
            f << md;
            return f ? 0 : 1;
          }};
}

}  // namespace rdpfault::cli
