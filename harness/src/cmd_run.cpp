// rdpfault run / list / validate / docs: the scenario catalog from the command line.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "paths.hpp"
#include "rdpfault/harness/report.hpp"
#include "rdpfault/harness/runner.hpp"
#include "rdpfault/scenario/scenario.hpp"
#include "terminal.hpp"

namespace rdpfault::cli {
namespace {

using harness::ScenarioOutcome;
using scenario::Scenario;

void print_diagnostics(const std::vector<scenario::Diagnostic>& diags) {
  for (const auto& d : diags) std::cerr << d.to_string() << "\n";
}

/// Loads the catalog for a command that needs all of it (docs): any problem is exit 2.
std::optional<scenario::Catalog> load_strict(const std::vector<std::string>& dirs) {
  auto c = scenario::load_catalogs(catalog_dirs(dirs));
  if (!c.diagnostics.empty()) {
    print_diagnostics(c.diagnostics);
    std::cerr << "rdpfault: the catalog has " << c.diagnostics.size() << " problem(s)\n";
    return std::nullopt;
  }
  return c;
}

/// A command-line word that names a scenario file rather than a catalog scenario.
bool is_file_argument(const std::string& a) {
  return a.find('/') != std::string::npos || (a.size() > 5 && a.compare(a.size() - 5, 5, ".toml") == 0);
}

ColorMode color_mode(const std::string& s) {
  return s == "always" ? ColorMode::always : s == "never" ? ColorMode::never : ColorMode::automatic;
}

}  // namespace

scenario::Catalog load_catalogs_reporting(const std::vector<std::string>& dirs) {
  auto c = scenario::load_catalogs(catalog_dirs(dirs));
  print_diagnostics(c.diagnostics);
  return c;
}

const scenario::Scenario* find_scenario(const scenario::Catalog& c, const std::string& name) {
  for (const auto& s : c.scenarios) {
    if (s.name == name) return &s;
  }
  std::vector<std::string> names;
  for (const auto& s : c.scenarios) names.push_back(s.name);
  std::cerr << "rdpfault: no scenario named '" << name << "'" << did_you_mean(name, names)
            << "; `rdpfault list` shows them all\n";
  return nullptr;
}

namespace {

struct RunOptions {
  std::vector<std::string> names;
  bool all = false;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string json;
  std::string junit;
  std::vector<std::string> catalogs;
  std::string driver;
  bool quiet = false;
  bool verbose = false;
  bool strict = false;
  std::string color = "auto";
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string shard;  ///< "K/N", or empty.
};

/// "K/N" with 1 <= K <= N <= 1000, or a UsageError naming the value.
std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  int k = 0, n = 0;
  try {
    std::size_t used = 0;
    if (slash == std::string::npos) throw std::invalid_argument("");
    k = std::stoi(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("");
    n = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw UsageError("--shard " + text + ": expected K/N, e.g. 2/4");
  }
  if (n < 1 || n > 1000 || k < 1 || k > n) throw UsageError("--shard " + text + ": K and N must satisfy 1 <= K <= N <= 1000");
  return {k, n};
}

/// The signal that asked `run` to stop (SIGINT, SIGTERM), or 0. A second one of either kills
/// at once (the handler is reset), as a user pressing Ctrl-C twice expects.
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig, std::memory_order_relaxed); }

/// While alive, SIGINT and SIGTERM ask the run to stop: the scenarios under way end (their
/// drivers are killed, their servers stop, their temporary directories are removed), none
/// starts, and the reports written say which were interrupted.
class StopOnSignal {
 public:
  StopOnSignal() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopOnSignal() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string seconds_text(double ms) {
  char t[32];
  std::snprintf(t, sizeof t, "%.1f s", ms / 1000);
  return t;
}

int run_run(const RunOptions& o) {
  StopOnSignal stop_on_signal;  // From the start: a signal at any point ends the run cleanly.
  // Everything that can be wrong with the command line is found before the first scenario runs.
  const auto driver = resolve_driver(o.driver);
  // "-" writes that report to stdout; the table and summary then go to stderr.
  if (o.json == "-" && o.junit == "-") throw UsageError("--json - and --junit -: only one report can go to stdout");
  if (!o.json.empty() && o.json != "-") check_output_file(o.json, "the JSON report");
  if (!o.junit.empty() && o.junit != "-") check_output_file(o.junit, "the JUnit report");
  std::ostream& out = o.json == "-" || o.junit == "-" ? std::cerr : std::cout;
  const auto [old_limit, new_limit] = raise_fd_limit();

  std::vector<std::string> names, files;
  for (const auto& a : o.names) (is_file_argument(a) ? files : names).push_back(a);
  std::size_t problems = 0;
  scenario::Catalog catalog;
  std::vector<std::string> dirs;
  if (o.all || !names.empty()) {
    dirs = catalog_dirs(o.catalogs);
    catalog = load_catalogs_reporting(dirs);
    problems += catalog.diagnostics.size();
  }
  std::deque<Scenario> from_files;  // Stable addresses.
  for (const auto& f : files) {
    auto r = scenario::load_scenario(f);
    print_diagnostics(r.diagnostics);
    problems += r.diagnostics.size();
    if (r.scenario) from_files.push_back(std::move(*r.scenario));
  }
  if (problems > 0 && o.strict) {
    std::cerr << "rdpfault: " << problems << " problem(s) in the scenario files; nothing run (--strict)\n";
    return kUsage;
  }
  std::vector<const Scenario*> chosen;
  auto choose = [&](const Scenario* s) {
    for (const auto* c : chosen) {
      if (c == s) return;
      if (c->name == s->name) {
        std::cerr << s->file << ":0:0: duplicate scenario name '" << s->name << "' (also " << c->file
                  << "); the first is run\n";
        ++problems;
        return;
      }
    }
    chosen.push_back(s);
  };
  if (o.all) {
    for (const auto& s : catalog.scenarios) choose(&s);
  }
  for (const auto& n : names) {
    const auto* s = find_scenario(catalog, n);
    if (!s) return kUsage;
    choose(s);
  }
  for (const auto& s : from_files) choose(&s);
  std::size_t before_shard = chosen.size();
  if (!o.shard.empty()) {
    const auto [k, n] = parse_shard(o.shard);
    std::vector<const Scenario*> part;
    for (auto i : harness::shard(chosen, k, n)) part.push_back(chosen[i]);
    chosen = std::move(part);
    // More shards than scenarios: nothing to run, but the reports a CI job asked for are
    // still written (empty), so its artefact step finds them.
    if (chosen.empty()) std::cerr << "rdpfault: shard " << o.shard << " of " << before_shard << " scenario(s) is empty\n";
  }
  if (chosen.empty() && o.shard.empty()) {
    if (problems > 0) {
      std::cerr << "rdpfault: no valid scenario to run\n";
    } else {
      std::cerr << "rdpfault: name the scenarios to run (names from `rdpfault list`, or FILE.toml), or pass --all\n";
    }
    return kUsage;
  }
  if (problems > 0) {
    std::cerr << "rdpfault: " << problems << " problem(s) in the scenario files (above); running the "
              << chosen.size() << " valid scenario(s); the exit status will be 2 (--strict runs none)\n";
  }
  if (o.verbose) {
    std::cerr << "rdpfault " << harness::version() << ": " << chosen.size() << " scenario(s), " << o.jobs
              << " at a time";
    if (!o.shard.empty()) std::cerr << " (shard " << o.shard << " of " << before_shard << ")";
    std::cerr << "\n";
    for (const auto& d : dirs) std::cerr << "rdpfault: catalog " << d << "\n";
    std::cerr << "rdpfault: driver " << driver.path << " (" << driver.how << ")\n";
    std::cerr << "rdpfault: open files: soft limit " << old_limit
              << (new_limit != old_limit ? " raised to " + std::to_string(new_limit) : std::string(" (at the hard limit)"))
              << "\n";
  }

  const auto mode = color_mode(o.color);
  const bool tty = ::isatty(STDERR_FILENO) == 1 && !o.quiet;
  std::optional<Progress> progress;
  if (tty) progress.emplace(std::cerr, chosen.size(), terminal_width(STDERR_FILENO, 80), use_color(STDERR_FILENO, mode));
  const bool err_color = use_color(STDERR_FILENO, mode);
  std::size_t failed = 0;
  harness::RunnerOptions ro;
  ro.jobs = o.jobs;
  ro.cancel_requested = [] { return g_stop_signal.load(std::memory_order_relaxed) != 0; };
  ro.driver_path = driver.path;
  if (o.seed_given) ro.seed = o.seed;
  ro.on_start = [&](const Scenario& s) {
    if (progress) progress->started(s.name);
  };
  ro.on_done = [&](const ScenarioOutcome& r) {
    std::string line = verdict(r.passed(), err_color) + " " + r.scenario->name + " (" + seconds_text(r.wall_ms) + ")";
    if (o.verbose) {
      line += ": " + (r.broken.error.empty() ? harness::describe_symptom(r.broken.result) : r.broken.error) +
              "; seed " + std::to_string(r.seed);
    }
    if (progress) {
      progress->finished(r.scenario->name, r.passed());
      if (!r.passed() || o.verbose) progress->print(line);
    } else if (!o.quiet) {
      std::cerr << line << "\n";
    }
  };
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = harness::run_all(chosen, ro);
  const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (progress) progress->stop();
  std::size_t interrupted = 0;  // Counted here: scenarios never started have no on_done.
  for (const auto& r : outcomes) {
    if (r.interrupted) {
      ++interrupted;
    } else if (!r.passed()) {
      ++failed;
    }
  }

  const int out_fd = &out == &std::cout ? STDOUT_FILENO : STDERR_FILENO;
  out << "\n";
  print_results(out, outcomes, terminal_width(out_fd, 120), use_color(out_fd, mode));
  for (const auto& r : outcomes) {
    if (!r.passed() && !r.interrupted) harness::print_failure(out, r);
  }
  long long waits = 0;
  for (const auto& r : outcomes) waits += r.broken.deliberate_wait_ms + r.fixed.deliberate_wait_ms;
  char summary[200];
  // Two short lines rather than one that wraps on an 80-column (or narrower) terminal.
  std::snprintf(summary, sizeof summary, "\n%zu scenarios: %zu passed, %zu failed in %.1f s\n(jobs %d; deliberate waits %.1f s)\n",
                outcomes.size(), outcomes.size() - failed - interrupted, failed, wall / 1000, o.jobs,
                static_cast<double>(waits) / 1000);
  out << summary << std::flush;
  int rc = failed == 0 ? kOk : kFindings;
  const int stop_signal = g_stop_signal.load();
  if (stop_signal != 0) {
    std::cerr << "rdpfault: stopped by " << (stop_signal == SIGINT ? "SIGINT" : "SIGTERM") << ": " << interrupted
              << " scenario(s) interrupted; the reports mark them\n";
    rc = 128 + stop_signal;  // The shell's convention for "ended by this signal".
  }
  if (problems > 0 && stop_signal == 0) rc = std::max<int>(rc, kUsage);
  auto write = [&](const std::string& path, const std::string& content, const char* what) {
    if (path.empty()) return;
    if (path == "-") {
      std::cout << content << std::flush;
      return;
    }
    try {
      write_output_file(path, content, kPublicFile, what);
    } catch (const UsageError& e) {
      std::cerr << "rdpfault: " << e.what() << "\n";
      rc = std::max<int>(rc, kUsage);
    } catch (const std::exception& e) {
      std::cerr << "rdpfault: " << e.what() << "\n";
      rc = std::max<int>(rc, kEnvironment);
    }
  };
  write(o.json, harness::report_json(outcomes, wall, o.jobs).dump(2) + "\n", "the JSON report");
  write(o.junit, harness::report_junit(outcomes, wall), "the JUnit report");
  return rc;
}

}  // namespace

Subcommand add_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Run scenarios: break, expect the symptom, fix, expect the result");
  sub->add_option("scenarios", o->names,
                  "Scenarios to run: names from `rdpfault list`, or scenario files (FILE.toml, or any path with a '/')")
      ->type_name("SCENARIO");
  sub->add_flag("--all", o->all, "Run every scenario of the catalog(s)");
  sub->add_option("--jobs,-j", o->jobs, "Scenarios run at once")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--json", o->json, "Write a JSON report here (-: to stdout, the table to stderr)")->type_name("FILE");
  sub->add_option("--junit", o->junit, "Write a JUnit XML report here (-: to stdout, the table to stderr)")->type_name("FILE");
  add_catalog_option(sub, o->catalogs);
  sub->add_flag("--strict", o->strict, "Run nothing when a scenario file has a problem (default: run the valid ones, exit 2)");
  sub->add_option("--driver", o->driver, "Path of rdpfault-driver (default: $RDPFAULT_DRIVER, else the installed one)")
      ->type_name("FILE");
  auto* quiet = sub->add_flag("--quiet,-q", o->quiet, "No progress line and no line per scenario; only the results");
  sub->add_flag("--verbose,-v", o->verbose,
                "Also the catalog and driver used, and a line per scenario with its symptom and seed")
      ->excludes(quiet);
  sub->add_option("--color", o->color, "Colour PASS and FAIL: auto (on a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  sub->add_option("--shard", o->shard,
                  "Run only part K of N (e.g. 2/4) of the chosen scenarios: a stable split balanced by their "
                  "expected waits, so N CI jobs together run each scenario once")
      ->type_name("K/N")
      ->check([](const std::string& v) {
        try {
          parse_shard(v);
        } catch (const UsageError& e) {
          return std::string(e.what());
        }
        return std::string();
      });
  sub->add_option("--seed", o->seed, "Seed every scenario's faults with this (replays a run; reports record the seed)")
      ->check(whole_number(0, kMaxU64))
      ->each([o](const std::string&) { o->seed_given = true; });
  sub->footer(
      "Examples:\n"
      "  rdpfault run tls-cert-expired                  one scenario, broken then fixed\n"
      "  rdpfault run --all --jobs 2 --junit report.xml the whole catalog, with a JUnit report\n"
      "  rdpfault run ./my-cause.toml tls-unknown-ca    a file of your own next to a catalog scenario\n"
      "  rdpfault run --all --catalog builtin --catalog ./team-scenarios\n"
      "  rdpfault run --all --shard 2/4 --junit part2.xml   the second of four CI jobs");
  return {sub, [o] { return run_run(*o); }};
}

Subcommand add_list(CLI::App& app) {
  struct L {
    std::vector<std::string> catalogs;
    bool names = false;
  };
  auto o = std::make_shared<L>();
  auto* sub = app.add_subcommand("list", "The catalog, grouped by phase: cause, symptom, fix");
  add_catalog_option(sub, o->catalogs);
  sub->add_flag("--names", o->names, "Only the scenario names, one a line (for scripts and completion)");
  sub->footer("Examples:\n  rdpfault list\n  rdpfault list --names | grep tls\n  rdpfault list --catalog ./team-scenarios");
  return {sub, [o] {
            const auto c = load_catalogs_reporting(o->catalogs);
            if (o->names) {
              for (const auto& s : c.scenarios) std::cout << s.name << "\n";
            } else {
              harness::print_catalog(std::cout, c.scenarios);
              std::cout << "\n" << c.scenarios.size() << " scenarios\n";
            }
            if (!c.diagnostics.empty()) {
              std::cerr << "rdpfault: " << c.diagnostics.size() << " problem(s) in the catalog (above)\n";
              return static_cast<int>(kUsage);
            }
            return static_cast<int>(kOk);
          }};
}

Subcommand add_validate(CLI::App& app) {
  struct V {
    std::vector<std::string> files;
    std::vector<std::string> catalogs;
  };
  auto o = std::make_shared<V>();
  auto* sub = app.add_subcommand("validate", "Check scenario files; problems are printed as file:line:col: message");
  sub->add_option("files", o->files, "Scenario files (default: the whole catalog)")->type_name("FILE");
  add_catalog_option(sub, o->catalogs);
  sub->footer(
      "Examples:\n  rdpfault validate my-cause.toml\n  rdpfault validate                      the whole catalog\n"
      "  rdpfault validate --catalog ./team-scenarios");
  return {sub, [o] {
            std::vector<scenario::Diagnostic> diags;
            std::size_t ok = 0;
            if (o->files.empty()) {
              auto c = scenario::load_catalogs(catalog_dirs(o->catalogs));
              diags = c.diagnostics;
              ok = c.scenarios.size();
            } else {
              for (const auto& f : o->files) {
                auto r = scenario::load_scenario(f);
                diags.insert(diags.end(), r.diagnostics.begin(), r.diagnostics.end());
                ok += r.scenario ? 1 : 0;
              }
            }
            print_diagnostics(diags);
            std::cout << ok << " scenario(s) valid, " << diags.size() << " problem(s)\n";
            return static_cast<int>(diags.empty() ? kOk : kFindings);
          }};
}

Subcommand add_docs(CLI::App& app) {
  struct D {
    std::string out;
    std::string check;
    std::vector<std::string> catalogs;
  };
  auto o = std::make_shared<D>();
  auto* sub = app.add_subcommand("docs", "Generate the catalog page (docs/scenarios.md) from the scenario files");
  auto* out = sub->add_option("--out", o->out, "Write here instead of stdout")->type_name("FILE");
  sub->add_option("--check", o->check, "Exit 1 when this file differs from what would be generated")
      ->type_name("FILE")
      ->excludes(out);
  add_catalog_option(sub, o->catalogs);
  sub->footer(
      "Examples:\n  rdpfault docs --out docs/scenarios.md\n  rdpfault docs --check docs/scenarios.md     exit 1 if stale");
  return {sub, [o] {
            if (!o->out.empty()) check_output_file(o->out, "the page");
            auto c = load_strict(o->catalogs);
            if (!c) return static_cast<int>(kUsage);
            const auto md = harness::catalog_markdown(c->scenarios);
            if (!o->check.empty()) {
              std::ifstream in(o->check, std::ios::binary);
              if (!in) throw UsageError("docs --check " + o->check + ": cannot read the file: " + errno_text(errno));
              std::stringstream ss;
              ss << in.rdbuf();
              if (ss.str() != md) {
                std::cerr << o->check << " is stale: regenerate it with `rdpfault docs --out " << o->check << "`\n";
                return static_cast<int>(kFindings);
              }
              std::cout << o->check << " is up to date\n";
              return static_cast<int>(kOk);
            }
            if (o->out.empty()) {
              std::cout << md;
              return static_cast<int>(kOk);
            }
            write_output_file(o->out, md, kPublicFile, "the page");
            return static_cast<int>(kOk);
          }};
}

}  // namespace rdpfault::cli
