#!/usr/bin/env bash
# README command (a): install what is missing, build, and run the main job: the whole scenario
# catalog (every cause broken, its symptom checked, the documented fix applied, the result
# checked) with the real FreeRDP 2.11 client. Reports land in build/ci/catalog.{json,xml}.
# Extra arguments go to `rdpfault run` (e.g. --jobs 4).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
exec build/ci/bin/rdpfault run --all --json build/ci/catalog.json --junit build/ci/catalog.xml "$@"
