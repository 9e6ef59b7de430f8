#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "errors.hpp"

namespace rdpfault::cli {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// Splits "a/b/c.json" into ("a/b", "c.json"); "c.json" into (".", "c.json").
std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

/// Throws for `err`: UsageError when the path itself is wrong (while opening its directory:
/// ENOENT or ENOTDIR; the target a directory), EnvironmentError when the file system refuses.
[[noreturn]] void fail(const std::string& path, const std::string& what, int err, bool opening_dir = false) {
  const std::string msg = "cannot write " + what + (what.empty() ? "" : " ") + path + ": ";
  if (opening_dir && err == ENOENT) {
    throw UsageError(msg + "the directory " + split_path(path).first + " does not exist");
  }
  if (opening_dir && err == ENOTDIR) throw UsageError(msg + split_path(path).first + " is not a directory");
  if (err == EISDIR) throw UsageError(msg + "it is a directory");
  throw EnvironmentError(msg + errno_text(err));
}

/// Opens the target's directory and creates a fresh temporary file in it; returns its name.
std::string create_temporary(const std::string& path, const std::string& what, mode_t mode, Fd& dir, Fd& file) {
  const auto [dir_path, base] = split_path(path);
  if (base.empty() || base == "." || base == "..") fail(path, what, EISDIR);
  dir.fd = ::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir.fd < 0) fail(path, what, errno, true);
  struct stat st {};
  if (::fstatat(dir.fd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) fail(path, what, EISDIR);
  std::random_device rd;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string tmp = "." + base.substr(0, 200) + ".";
    for (int i = 0; i < 10; ++i) tmp += kAlphabet[rd() % (sizeof kAlphabet - 1)];
    file.fd = ::openat(dir.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (file.fd >= 0) return tmp;
    if (errno != EEXIST) fail(path, what, errno);
  }
  fail(path, what, EEXIST);
}

}  // namespace

void write_output_file(const std::string& path, std::string_view content, mode_t mode, const std::string& what) {
  Fd dir, file;
  const auto tmp = create_temporary(path, what, mode, dir, file);
  auto give_up = [&](int err) {
    ::unlinkat(dir.fd, tmp.c_str(), 0);
    fail(path, what, err);
  };
  // A secret must not be readable by others even for a moment, whatever the umask was.
  if (mode == kSecretFile && ::fchmod(file.fd, mode) != 0) give_up(errno);
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(file.fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      give_up(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(file.fd) != 0 && errno != EINVAL) give_up(errno);
  if (::close(file.fd) != 0) {
    file.fd = -1;
    give_up(errno);
  }
  file.fd = -1;
  const auto base = split_path(path).second;
  if (::renameat(dir.fd, tmp.c_str(), dir.fd, base.c_str()) != 0) give_up(errno);
}

void check_output_file(const std::string& path, const std::string& what) {
  Fd dir, file;
  const auto tmp = create_temporary(path, what, kSecretFile, dir, file);
  ::unlinkat(dir.fd, tmp.c_str(), 0);
}

}  // namespace rdpfault::cli
