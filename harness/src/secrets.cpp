#include "secrets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "errors.hpp"

namespace rdpfault::cli {

std::string read_password_file(const std::string& path) {
  const std::string where = "--password-file " + path + ": ";
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw UsageError(where + errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw UsageError(where + errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw UsageError(where + "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw UsageError(where + "mode " + mode + " lets other users read it; chmod 600 " + path +
                     " (the file must be 0600 or stricter)");
  }
  constexpr std::size_t kMax = 4096;
  std::string s;
  char buf[1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw UsageError(where + errno_text(err));
    }
    if (n == 0) break;
    s.append(buf, static_cast<std::size_t>(n));
    if (s.size() > kMax) {
      ::close(fd);
      throw UsageError(where + "longer than 4096 bytes: not a password file");
    }
  }
  ::close(fd);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

std::optional<std::string> choose_password(const std::string& file, const std::optional<std::string>& flag) {
  if (!file.empty()) return read_password_file(file);
  if (flag) {
    std::cerr << "rdpfault: warning: a password given with --password can be read by every user of this machine "
                 "(ps, /proc/PID/cmdline); use --password-file FILE (mode 0600) or RDPFAULT_PASSWORD instead\n";
    return flag;
  }
  if (const char* env = std::getenv("RDPFAULT_PASSWORD")) return std::string(env);
  return std::nullopt;
}

void scrub_password_arguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* a = argv[i];
    if (std::strcmp(a, "--") == 0) return;
    if (std::strcmp(a, "--password") == 0 && i + 1 < argc) {
      std::memset(argv[i + 1], 'x', std::strlen(argv[i + 1]));
      ++i;
    } else if (std::strncmp(a, "--password=", 11) == 0) {
      std::memset(a + 11, 'x', std::strlen(a + 11));
    }
  }
}

}  // namespace rdpfault::cli
