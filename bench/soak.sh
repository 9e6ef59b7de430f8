#!/usr/bin/env bash
# The soak (bench/soak.cpp) against the release build and against the ASan + UBSan build of
# `rdpfault serve`, written into the "Soak" section of docs/reliability.md. Not a test.
# Usage: bench/soak.sh [CONNECTIONS] [FREERDP_EVERY] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}; every=${2:-50}; seed=${3:-1}
preset=${SOAK_PRESET:-release}   # the optimised build to soak (ci is optimised too: RelWithDebInfo)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target rdpfault_soak rdpfault rdpfault-driver >/dev/null
cmake --preset asan >/dev/null
cmake --build --preset asan --target rdpfault rdpfault-driver >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
release=$(build/$preset/bin/rdpfault_soak build/$preset/bin/rdpfault "$n" "$every" "$seed" "$tmp/release.err")
# Under ASan the driver is the release one (it is FreeRDP's client, not the server under test);
# the server's sanitizer reports go to its stderr, checked below.
asan=$(RDPFAULT_DRIVER="$PWD/build/$preset/bin/rdpfault-driver" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
       UBSAN_OPTIONS=print_stacktrace=1 \
       build/$preset/bin/rdpfault_soak build/asan/bin/rdpfault "$n" "$every" "$seed" "$tmp/asan.err")
reports=$(grep -cE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$tmp/asan.err" || true)
section=$(cat <<MD
<!-- soak:begin (bench/soak.sh writes this section) -->
## Soak (\`bench/soak.sh $n $every $seed\`)

Measured $(date -u +%Y-%m-%d) on $(nproc) cores. One \`rdpfault serve\` process (JSON trace on,
read by the soak as it comes); eight client threads open $n connections, each giving up at a
point drawn at random (seed $seed) from thirteen — at once, with a reset, half an X.224
request, after the X.224 answer, half a TLS ClientHello, after the MCS Connect Initial with a
reset, after attaching the user channel, after the channel joins with a reset, in licensing, in
finalization, in the active session with a close or a reset, and garbage — and every ${every}th is a
real FreeRDP 2.11 connection (the library driver) to the active session. Figures are taken after a
warm-up of a tenth of the connections and again when the trace shows every connection closed.

### Optimised build ($preset preset)

$release

### AddressSanitizer + UBSan build of the server

$asan

Sanitizer reports in the server's stderr (including LeakSanitizer at its exit on SIGTERM): **$reports**.
<!-- soak:end -->
MD
)
touch docs/reliability.md
python3 - "$section" <<'PY'
import re, sys
path = "docs/reliability.md"
text = open(path).read()
section = sys.argv[1]
pat = re.compile(r"<!-- soak:begin.*?<!-- soak:end -->", re.S)
text = pat.sub(lambda m: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"
