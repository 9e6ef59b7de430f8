#pragma once
// Where rdpfault finds its scenario catalog and its FreeRDP driver, in this order:
//
//   catalog: --catalog DIR (repeatable; the word `builtin` names the default below)
//            > $RDPFAULT_CATALOG
//            > ../share/rdpfault/catalog relative to the rdpfault binary (an installed or
//              packaged tree; the build tree has the same layout: build/<preset>/share/rdpfault/
//              catalog is a link to the source tree's scenarios/catalog)
//            > the share directory rdpfault was configured to install into
//   driver:  --driver FILE > $RDPFAULT_DRIVER > rdpfault-driver next to the binary (build tree)
//            > ../libexec/rdpfault/rdpfault-driver relative to the binary
//            > the libexec directory rdpfault was configured to install into
//
// An explicit choice (a flag or a variable) that does not exist is a usage error (exit 2);
// nothing found when nothing was named is an environment problem (exit 3).
#include <string>
#include <vector>

namespace rdpfault::cli {

struct Located {
  std::string path;
  std::string how;  ///< "--catalog", "RDPFAULT_CATALOG", "next to the binary", ...
};

/// The directory of the running executable (from /proc/self/exe, symbolic links resolved).
std::string self_dir();

/// Every place the default catalog may be, in precedence order (existing or not).
std::vector<Located> catalog_candidates();
/// The default catalog: the first candidate that is a directory. Throws UsageError when
/// RDPFAULT_CATALOG names something that is not a directory, EnvironmentError when nothing exists.
Located default_catalog();
/// The catalog directories for --catalog values (empty: the default; `builtin`: the default).
std::vector<std::string> catalog_dirs(const std::vector<std::string>& given);

/// Every place rdpfault-driver may be, after --driver, in precedence order.
std::vector<Located> driver_candidates();
/// The driver to run: `given` (--driver) if not empty, else the first candidate that is an
/// executable file. Throws UsageError for a given path (or RDPFAULT_DRIVER) that is not an
/// executable file, EnvironmentError when no candidate exists.
Located resolve_driver(const std::string& given);

/// Help text for the --catalog option, the same in every subcommand.
inline constexpr const char* kCatalogHelp =
    "Scenario directory; repeat to combine several (the word 'builtin' names the default: "
    "$RDPFAULT_CATALOG, else the catalog installed with rdpfault; `rdpfault version -v` shows it)";

}  // namespace rdpfault::cli
