#pragma once
// Files the command line writes (reports, pages, the test CA): created under a fresh
// temporary name in the target's own directory with O_CREAT | O_EXCL | O_NOFOLLOW, written,
// flushed, then renamed over the target. A symbolic link planted at the target (or at a
// guessable temporary name) is never followed: the rename replaces the link itself, and the
// file it pointed to is left untouched. Readers never see a half-written file.
#include <sys/types.h>

#include <string>
#include <string_view>

namespace rdpfault::cli {

inline constexpr mode_t kPublicFile = 0644;  ///< Reports, pages, certificates (the umask applies).
inline constexpr mode_t kSecretFile = 0600;  ///< Keys and anything else secret.

/// Writes `content` to `path` as described above. Throws EnvironmentError ("cannot write
/// [what] PATH: why") when the file system refuses, UsageError when the path cannot be a file
/// (its directory does not exist, or it names a directory).
void write_output_file(const std::string& path, std::string_view content, mode_t mode = kPublicFile,
                       const std::string& what = "");

/// Checks, before long work, that write_output_file(path, ...) can succeed: the directory
/// exists and a file can be created in it (a probe file is created and removed). Throws as
/// write_output_file does; `what` names the file in the message ("the JSON report").
void check_output_file(const std::string& path, const std::string& what);

}  // namespace rdpfault::cli
