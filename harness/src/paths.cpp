#include "paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "errors.hpp"

namespace rdpfault::cli {
namespace {

namespace fs = std::filesystem;

bool is_directory(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// Empty when `p` is an executable regular file, else why not.
std::string not_executable_because(const std::string& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return errno_text(errno);
  if (!S_ISREG(st.st_mode)) return S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file";
  if (::access(p.c_str(), X_OK) != 0) return "it is not executable";
  return {};
}

std::string normal(const fs::path& p) { return p.lexically_normal().string(); }

}  // namespace

std::string self_dir() {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return self.parent_path().string();
}

std::vector<Located> catalog_candidates() {
  std::vector<Located> out;
  if (const char* env = std::getenv("RDPFAULT_CATALOG"); env && *env) out.push_back({env, "RDPFAULT_CATALOG"});
  if (const auto dir = self_dir(); !dir.empty()) {
    out.push_back({normal(fs::path(dir) / RDPFAULT_BIN_TO_DATA / "rdpfault" / "catalog"), "relative to the binary"});
  }
  out.push_back({normal(fs::path(RDPFAULT_INSTALL_DATADIR) / "rdpfault" / "catalog"), "the installed share directory"});
  return out;
}

Located default_catalog() {
  const auto candidates = catalog_candidates();
  std::string looked;
  for (const auto& c : candidates) {
    if (is_directory(c.path)) return c;
    if (c.how == "RDPFAULT_CATALOG") {
      throw UsageError("RDPFAULT_CATALOG=" + c.path + " is not a directory");
    }
    looked += (looked.empty() ? "" : ", ") + c.path;
  }
  throw EnvironmentError("cannot find the scenario catalog (looked in " + looked +
                         "); pass --catalog DIR or set RDPFAULT_CATALOG");
}

std::vector<std::string> catalog_dirs(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& g : given) {
    const auto dir = g == "builtin" ? default_catalog().path : g;
    if (!is_directory(dir)) throw UsageError("--catalog " + g + ": not a directory");
    if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
  }
  if (out.empty()) out.push_back(default_catalog().path);
  return out;
}

std::vector<Located> driver_candidates() {
  std::vector<Located> out;
  if (const char* env = std::getenv("RDPFAULT_DRIVER"); env && *env) out.push_back({env, "RDPFAULT_DRIVER"});
  if (const auto dir = self_dir(); !dir.empty()) {
    out.push_back({normal(fs::path(dir) / "rdpfault-driver"), "next to the binary"});
    out.push_back(
        {normal(fs::path(dir) / RDPFAULT_BIN_TO_LIBEXEC / "rdpfault" / "rdpfault-driver"), "relative to the binary"});
  }
  out.push_back({normal(fs::path(RDPFAULT_INSTALL_LIBEXECDIR) / "rdpfault" / "rdpfault-driver"),
                 "the installed libexec directory"});
  return out;
}

Located resolve_driver(const std::string& given) {
  if (!given.empty()) {
    if (auto why = not_executable_because(given); !why.empty()) throw UsageError("--driver " + given + ": " + why);
    return {given, "--driver"};
  }
  std::string looked;
  for (const auto& c : driver_candidates()) {
    const auto why = not_executable_because(c.path);
    if (why.empty()) return c;
    if (c.how == "RDPFAULT_DRIVER") throw UsageError("RDPFAULT_DRIVER=" + c.path + ": " + why);
    looked += (looked.empty() ? "" : ", ") + c.path;
  }
  throw EnvironmentError("cannot find rdpfault-driver, the FreeRDP client driver (looked in " + looked +
                         "); reinstall rdpfault, pass --driver FILE or set RDPFAULT_DRIVER");
}

}  // namespace rdpfault::cli
