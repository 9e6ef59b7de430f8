// The command line's helpers, without running the command: output files that never follow
// a planted symlink, password files, the terminal layout, the catalog and driver lookup, and
// did-you-mean.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "errors.hpp"
#include "output_file.hpp"
#include "paths.hpp"
#include "secrets.hpp"
#include "terminal.hpp"
#include "../../support/scoped_env.hpp"

namespace rdpfault::cli {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/rdpfault-cli-unit-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  /// The names in the directory, so a test sees leftovers (temporary files).
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(path_)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  fs::path path_;
};

using test::ScopedEnv;

// --- output files --------------------------------------------------------------------------

TEST(OutputFile, WritesAndReplacesLeavingNoTemporaryFile) {
  TempDir d;
  write_output_file(d / "r.json", "first\n");
  EXPECT_EQ(slurp(d / "r.json"), "first\n");
  write_output_file(d / "r.json", "second\n");
  EXPECT_EQ(slurp(d / "r.json"), "second\n");
  EXPECT_EQ(d.entries(), std::vector<std::string>{"r.json"});
}

TEST(OutputFile, APlantedSymlinkIsReplacedNotFollowed) {
  TempDir d;
  // Another user's link to a file of ours (a root-owned 0600 key, say): writing the report
  // must replace the link, not write through it.
  { std::ofstream(d / "victim") << "precious"; }
  ::chmod((d / "victim").c_str(), 0600);
  ASSERT_EQ(::symlink((d / "victim").c_str(), (d / "ca.pem").c_str()), 0);
  write_output_file(d / "ca.pem", "CERTIFICATE\n");
  EXPECT_EQ(slurp(d / "victim"), "precious");
  struct stat st {};
  ASSERT_EQ(::lstat((d / "ca.pem").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the link is gone, a file is in its place";
  EXPECT_EQ(slurp(d / "ca.pem"), "CERTIFICATE\n");
  // A dangling link to where an attacker wants a file created: nothing is created there.
  ASSERT_EQ(::symlink((d / "created-by-us").c_str(), (d / "r.xml").c_str()), 0);
  write_output_file(d / "r.xml", "<x/>");
  EXPECT_FALSE(fs::exists(d / "created-by-us"));
  // A link to a directory: replaced too, the directory left alone.
  fs::create_directory(d / "dir");
  ASSERT_EQ(::symlink((d / "dir").c_str(), (d / "page.md").c_str()), 0);
  write_output_file(d / "page.md", "# page\n");
  EXPECT_TRUE(fs::is_empty(d / "dir"));
  EXPECT_EQ(slurp(d / "page.md"), "# page\n");
}

TEST(OutputFile, SecretsAreOwnerOnlyWhateverTheUmask) {
  TempDir d;
  const mode_t old = ::umask(0);
  write_output_file(d / "key.pem", "KEY\n", kSecretFile);
  write_output_file(d / "report.json", "{}\n", kPublicFile);
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat((d / "key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((d / "report.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(OutputFile, ABadPathIsAUsageErrorNamingIt) {
  TempDir d;
  try {
    write_output_file(d / "missing/r.json", "x", kPublicFile, "the JSON report");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write the JSON report " + (d / "missing/r.json")), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  fs::create_directory(d / "sub");
  EXPECT_THROW(write_output_file(d / "sub", "x"), UsageError);
  EXPECT_THROW(check_output_file(d / "sub", "the page"), UsageError);
  { std::ofstream(d / "file") << "x"; }
  EXPECT_THROW(check_output_file(d / "file/r.json", "the page"), UsageError);
  // A directory that exists but takes no new file is the environment's doing (exit 3).
  EXPECT_THROW(check_output_file("/proc/self/r.json", "the report"), EnvironmentError);
  check_output_file(d / "fine.json", "the report");
  EXPECT_FALSE(fs::exists(d / "fine.json"));
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"file", "sub"})) << "the probe file is removed";
}

// --- passwords -----------------------------------------------------------------------------

TEST(PasswordFile, OnlyAnOwnerOnlyRegularFileIsRead) {
  TempDir d;
  { std::ofstream(d / "pw") << "S3cret!\n"; }
  ::chmod((d / "pw").c_str(), 0600);
  EXPECT_EQ(read_password_file(d / "pw"), "S3cret!");
  { std::ofstream(d / "crlf") << "two words\r\n"; }
  ::chmod((d / "crlf").c_str(), 0400);
  EXPECT_EQ(read_password_file(d / "crlf"), "two words");

  ::chmod((d / "pw").c_str(), 0640);
  try {
    read_password_file(d / "pw");
    FAIL() << "a group-readable file was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("mode 0640"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("S3cret"), std::string::npos) << "the password is never shown";
  }
  // A FIFO is refused at once (opened without waiting for a writer), a directory too.
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(read_password_file(d / "fifo"), UsageError);
  fs::create_directory(d / "dir");
  ::chmod((d / "dir").c_str(), 0700);
  EXPECT_THROW(read_password_file(d / "dir"), UsageError);
  EXPECT_THROW(read_password_file(d / "missing"), UsageError);
  { std::ofstream(d / "big") << std::string(5000, 'x'); }
  ::chmod((d / "big").c_str(), 0600);
  EXPECT_THROW(read_password_file(d / "big"), UsageError);
}

TEST(PasswordFile, TheFileThenTheFlagThenTheEnvironment) {
  TempDir d;
  { std::ofstream(d / "pw") << "from-file"; }
  ::chmod((d / "pw").c_str(), 0600);
  ScopedEnv env("RDPFAULT_PASSWORD", "from-env");
  EXPECT_EQ(choose_password(d / "pw", std::nullopt), "from-file");
  EXPECT_EQ(choose_password("", std::string("from-flag")), "from-flag");
  EXPECT_EQ(choose_password("", std::nullopt), "from-env");
  ScopedEnv none("RDPFAULT_PASSWORD", nullptr);
  EXPECT_EQ(choose_password("", std::nullopt), std::nullopt);
}

TEST(PasswordFile, TheCommandLineValueIsScrubbedAfterParsing) {
  std::string a0 = "rdpfault", a1 = "serve", a2 = "--password", a3 = "S3cret!", a4 = "--password=other", a5 = "--user";
  char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), a5.data()};
  scrub_password_arguments(6, argv);
  EXPECT_STREQ(argv[3], "xxxxxxx");
  EXPECT_STREQ(argv[4], "--password=xxxxx");
  EXPECT_STREQ(argv[5], "--user");
}

// --- terminal ------------------------------------------------------------------------------

TEST(Terminal, WrapBreaksAtSpacesAndLosesNothing) {
  const std::string text = "The Remote Desktop certificate expired and was not renewed by the auto-enrollment "
                           "policy; an-extraordinarily-long-token-without-any-space-in-it stays whole.";
  for (std::size_t width : {10u, 17u, 40u, 200u}) {
    const auto lines = wrap(text, width);
    std::string joined;
    for (const auto& l : lines) {
      EXPECT_LE(display_width(l), width) << l;
      joined += l;
    }
    std::string squeezed;
    for (char c : text) {
      if (c != ' ') squeezed += c;
    }
    std::string joined_squeezed;
    for (char c : joined) {
      if (c != ' ') joined_squeezed += c;
    }
    EXPECT_EQ(joined_squeezed, squeezed) << "width " << width;
  }
  EXPECT_EQ(wrap("", 10), std::vector<std::string>{""});
  EXPECT_EQ(wrap("é é é", 3), (std::vector<std::string>{"é é", "é"})) << "UTF-8 counts characters";
}

harness::ScenarioOutcome outcome(const scenario::Scenario& s, bool pass) {
  harness::ScenarioOutcome o;
  o.scenario = &s;
  if (!pass) o.broken.mismatches.push_back({"outcome", "failed", "connected"});
  return o;
}

TEST(Terminal, TheResultsFitTheWidthWithoutCuttingCells) {
  scenario::Scenario a, b;
  a.name = "tls-cert-expired";
  a.cause = "The Remote Desktop certificate expired and was not renewed; nobody noticed until Monday morning.";
  a.fix = "Renew the certificate: delete the expired one from the Remote Desktop store and restart the service.";
  b.name = "a-rather-long-scenario-name-for-the-table";
  b.cause = "Short cause.";
  b.fix = "Short fix.";
  const std::vector<harness::ScenarioOutcome> outcomes = {outcome(a, true), outcome(b, false)};
  for (int width : {40, 60, 80, 100, 132, 160, 220}) {
    std::ostringstream out;
    print_results(out, outcomes, width, false);
    const auto text = out.str();
    std::istringstream lines(text);
    std::string line, words;
    while (std::getline(lines, line)) {
      EXPECT_LE(display_width(line), static_cast<std::size_t>(width)) << "width " << width << ": " << line;
      words += line + " ";
    }
    EXPECT_EQ(text.find('~'), std::string::npos) << "nothing is cut";
    // Every word of every cell is there, in order, whatever the layout.
    for (const auto* cell : {&a.cause, &a.fix, &b.name}) {
      std::istringstream ws(*cell);
      std::string w;
      std::size_t at = 0;
      while (ws >> w) {
        const auto found = words.find(w.substr(0, std::min<std::size_t>(w.size(), 8)), at);
        ASSERT_NE(found, std::string::npos) << "width " << width << ": '" << w << "' missing in\n" << text;
        at = found;
      }
    }
    EXPECT_NE(text.find("PASS"), std::string::npos);
    EXPECT_NE(text.find("FAIL"), std::string::npos);
    const bool table = text.find("symptom seen") != std::string::npos;
    // A table where each text column gets 25 characters or more, else a block per scenario.
    if (width >= 160) {
      EXPECT_TRUE(table) << "width " << width << "\n" << text;
    }
    if (width <= 100) {
      EXPECT_FALSE(table) << "width " << width << "\n" << text;
    }
    EXPECT_EQ(text.find("\033["), std::string::npos) << "no colour unless asked";
  }
  std::ostringstream coloured;
  print_results(coloured, outcomes, 80, true);
  EXPECT_NE(coloured.str().find("\033[32mPASS\033[0m"), std::string::npos);
  EXPECT_NE(coloured.str().find("\033[1;31mFAIL\033[0m"), std::string::npos);
}

TEST(Terminal, ColourOnlyOnATerminalAndNeverWithNoColor) {
  const int fd = ::open("/dev/null", O_WRONLY);
  ASSERT_GE(fd, 0);
  {
    ScopedEnv no("NO_COLOR", nullptr);
    EXPECT_FALSE(use_color(fd, ColorMode::automatic)) << "/dev/null is not a terminal";
    EXPECT_TRUE(use_color(fd, ColorMode::always));
    EXPECT_FALSE(use_color(fd, ColorMode::never));
  }
  ScopedEnv no("NO_COLOR", "1");
  EXPECT_FALSE(use_color(fd, ColorMode::automatic));
  EXPECT_TRUE(use_color(fd, ColorMode::always)) << "an explicit --color always wins";
  ::close(fd);
}

TEST(Terminal, WidthFromColumnsElseTheTerminalElseTheFallback) {
  const int fd = ::open("/dev/null", O_WRONLY);
  {
    ScopedEnv cols("COLUMNS", "77");
    EXPECT_EQ(terminal_width(fd, 120), 77);
  }
  {
    ScopedEnv cols("COLUMNS", "wide");
    EXPECT_EQ(terminal_width(fd, 120), 120);
  }
  ScopedEnv cols("COLUMNS", nullptr);
  EXPECT_EQ(terminal_width(fd, 99), 99);
  ::close(fd);
  EXPECT_EQ(clock_text(std::chrono::seconds(7)), "0:07");
  EXPECT_EQ(clock_text(std::chrono::seconds(754)), "12:34");
  EXPECT_EQ(clock_text(std::chrono::seconds(3723)), "1:02:03");
}

// --- lookup and suggestions ----------------------------------------------------------------

TEST(Paths, TheEnvironmentThenNextToTheBinary) {
  TempDir d;
  {
    ScopedEnv env("RDPFAULT_CATALOG", d.path().c_str());
    const auto c = default_catalog();
    EXPECT_EQ(c.path, d.path().string());
    EXPECT_EQ(c.how, "RDPFAULT_CATALOG");
    EXPECT_EQ(catalog_dirs({}), std::vector<std::string>{d.path().string()});
    EXPECT_EQ(catalog_dirs({"builtin", "builtin"}), std::vector<std::string>{d.path().string()});
  }
  {
    ScopedEnv env("RDPFAULT_CATALOG", (d / "missing").c_str());
    EXPECT_THROW(default_catalog(), UsageError);
  }
  ScopedEnv env("RDPFAULT_CATALOG", nullptr);
  // This test runs from build/<preset>/bin, which has the installed layout.
  const auto c = default_catalog();
  EXPECT_EQ(c.how, "relative to the binary");
  EXPECT_TRUE(fs::exists(fs::path(c.path) / "security_upgrade" / "tls-cert-expired.toml")) << c.path;
  EXPECT_THROW(catalog_dirs({d / "missing"}), UsageError);
}

TEST(Paths, AGivenDriverMustBeAnExecutableFile) {
  TempDir d;
  EXPECT_THROW(resolve_driver(d / "missing"), UsageError);
  EXPECT_THROW(resolve_driver(d.path().string()), UsageError);
  { std::ofstream(d / "plain") << "#!/bin/sh\n"; }
  ::chmod((d / "plain").c_str(), 0644);
  try {
    resolve_driver(d / "plain");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("not executable"), std::string::npos);
  }
  EXPECT_EQ(resolve_driver("/bin/true").how, "--driver");
  {
    ScopedEnv env("RDPFAULT_DRIVER", "/bin/true");
    EXPECT_EQ(resolve_driver("").path, "/bin/true");
  }
  {
    ScopedEnv env("RDPFAULT_DRIVER", (d / "missing").c_str());
    EXPECT_THROW(resolve_driver(""), UsageError);
  }
  ScopedEnv env("RDPFAULT_DRIVER", nullptr);
  const auto found = resolve_driver("");
  EXPECT_EQ(found.how, "next to the binary");
  EXPECT_EQ(fs::path(found.path).filename(), "rdpfault-driver");
}

TEST(Suggestions, TyposAreCaughtAndStrangersAreNot) {
  const std::vector<std::string> commands = {"run", "list", "serve", "explain", "validate", "docs", "faults", "proxy",
                                             "connect", "demo", "version"};
  EXPECT_EQ(closest("sevre", commands), "serve");
  EXPECT_EQ(closest("lsit", commands), "list");
  EXPECT_EQ(closest("valdiate", commands), "validate");
  EXPECT_EQ(closest("bogus", commands), "");
  EXPECT_EQ(closest("--ju", {"--json", "--junit", "--jobs"}), "--junit");
  EXPECT_EQ(did_you_mean("--prot", {"--port", "--listen"}), " (did you mean '--port'?)");
  EXPECT_EQ(without_source_locations("bind: Address already in use [system:98 at /usr/include/boost/asio/detail/"
                                     "reactive_socket_service.hpp:161:5 in function 'bind']"),
            "bind: Address already in use");
}

}  // namespace
}  // namespace rdpfault::cli
