#!/usr/bin/env bash
# README command (b): install what is missing, build, and run every test (CTest, via the
# `ci` workflow preset: configure, build, test). Fails if any test fails or none ran.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
cmake --workflow --preset ci
