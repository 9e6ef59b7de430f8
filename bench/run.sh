#!/usr/bin/env bash
# Runs the benchmarks and rewrites docs/benchmarks.md. Not a test: nothing here passes or fails
# on a number. Usage: bench/run.sh [FREERDP_CONNECTIONS] [IDLE_SESSIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target rdpfault_bench rdpfault rdpfault-driver
out=$(build/release/bin/rdpfault_bench "${1:-30}" "${2:-1000}")
# bench/catalog.sh owns the "Scenario catalog" section: keep it across this rewrite.
catalog=$(sed -n '/^## Scenario catalog/,$p' docs/benchmarks.md 2>/dev/null || true)
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`bench/run.sh\` (release build) on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). Numbers, not verdicts: no test fails on them."
  echo
  echo "$out"
  echo
  cat bench/notes.md
  if [ -n "$catalog" ]; then echo; echo "$catalog"; fi
} > docs/benchmarks.md
cat docs/benchmarks.md
