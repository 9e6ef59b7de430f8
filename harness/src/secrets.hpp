#pragma once
// Passwords for `serve --user` and `connect`: from a file only its owner can read
// (--password-file), from the environment (RDPFAULT_PASSWORD), or, with a warning, from the
// command line (--password, which every user of the machine can read in /proc/PID/cmdline).
// A password is never printed, logged or traced.
#include <optional>
#include <string>

namespace rdpfault::cli {

/// The password in `path`: a regular file of mode 0600 or stricter (no group or other
/// permission bits), at most 4 KiB; one trailing line feed (or CR LF) is dropped. Throws
/// UsageError naming the file and the reason otherwise.
std::string read_password_file(const std::string& path);

/// The password to use: --password-file if given, else --password (with a warning on
/// stderr), else $RDPFAULT_PASSWORD, else nullopt. `flag` is the --password value when given.
std::optional<std::string> choose_password(const std::string& file, const std::optional<std::string>& flag);

/// Overwrites the values of --password in argv, so /proc/PID/cmdline stops showing them
/// once the command line has been parsed (they were readable until then: hence the warning).
void scrub_password_arguments(int argc, char** argv);

}  // namespace rdpfault::cli
