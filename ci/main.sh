#!/usr/bin/env bash
# README command (a): install what is missing, build, and run the main job.
# Today the main job is `rdpfault demo`: a fake RDP server and the FreeRDP 2.11 client driver,
# phase by phase, up to the active session.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
exec build/ci/bin/rdpfault demo "$@"
