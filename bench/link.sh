#!/usr/bin/env bash
# Network conditions and the proxy (issue 8): latency error, bandwidth accuracy, proxy overhead
# against a direct connection, fake-server memory per idle session with a Link. Release build.
# Prints a Markdown report and keeps it in build/release/link_bench.md (LINK_BENCH_OUT=FILE to
# put it elsewhere). The "Network conditions and the proxy" section of docs/benchmarks.md is
# written by hand from such reports (it compares runs before and after changes and explains the
# figures), so this script does not rewrite it. Not a test: nothing here passes or fails on a number.
# Usage: bench/link.sh [--reps N] [--quick] [--no-profile] [SECTION...]   (SECTION: latency bandwidth overhead memory)
#   With perf available, the proxied bulk transfer is profiled first (perf record -g on the
#   benchmark's own process) and the proxy thread's top symbols go under the overhead tables;
#   with valgrind, the heap of the server with a Link is profiled (massif, 200 sessions).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=1
cmdline=""
for a in "$@"; do cmdline="$cmdline $a"; done
args=()
for a in "$@"; do
  if [ "$a" = --no-profile ]; then profile=0; else args+=("$a"); fi
done
cmake --preset release >/dev/null
cmake --build --preset release --target rdpfault_link_bench rdpfault >/dev/null
bin=build/release/bin/rdpfault_link_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
note="$tmp/note.md"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$note"

if [ "$profile" = 1 ] && command -v perf >/dev/null && perf record -q -e cpu-clock -o "$tmp/t.data" true 2>/dev/null; then
  perf record -q -e cpu-clock -F 2000 -g -o "$tmp/perf.data" -- "$bin" profile 2> "$tmp/profile.err" >/dev/null || true
  # Where the proxy's I/O thread (named proxy-bulk) spends its time.
  perf report -i "$tmp/perf.data" --stdio --children --comm proxy-bulk --percentage relative --sort sym -g none \
    2>/dev/null > "$tmp/report.txt" || true
  perf report -i "$tmp/perf.data" --stdio --no-children --sort comm -g none 2>/dev/null > "$tmp/comm.txt" || true
  python3 - "$tmp" >> "$note" <<'PY'
import re, sys
tmp = sys.argv[1]
comm = []
for line in open(f"{tmp}/comm.txt"):
    m = re.match(r"\s+([0-9.]+)%\s+(\S+)\s*$", line)
    if m:
        comm.append((float(m.group(1)), m.group(2)))
syms = []  # (children %, self %, kernel?, symbol)
for line in open(f"{tmp}/report.txt"):
    m = re.match(r"\s+([0-9.]+)%\s+([0-9.]+)%\s+\[([.k])\]\s+(.*)$", line)
    if m:
        syms.append((float(m.group(1)), float(m.group(2)), m.group(3) == "k", m.group(4).strip()))
err = open(f"{tmp}/profile.err").read().strip().replace("profile: ", "")
print("Profile of the proxied bulk transfer alone (`perf record -e cpu-clock -g` on the benchmark process; " + err + "):")
print()
print("| thread | share of all samples |")
print("|---|---|")
for pct, name in comm:
    print(f"| {name} | {pct:.1f} % |")
print()
def self_of(pred):
    return sum(s for c, s, k, n in syms if pred(k, n))
print("The proxy's I/O thread (`proxy-bulk`), share of its own samples:")
print()
print("| where | share |")
print("|---|---|")
print(f"| kernel (TCP send and receive of both hops' proxy ends, epoll), self time in all kernel symbols | {self_of(lambda k, n: k):.1f} % |")
print(f"| user space, `memmove`/`memcpy`/`memset` (copies and zero-fills of chunks) | {self_of(lambda k, n: not k and re.search(r'memmove|memcpy|memset', n) is not None):.1f} % |")
print(f"| user space, malloc/free | {self_of(lambda k, n: not k and re.search(r'malloc|_int_free|cfree|^free', n) is not None):.1f} % |")
print(f"| user space, `rdpfault::` (Link, chains, phase tracker) | {self_of(lambda k, n: not k and 'rdpfault::' in n):.1f} % |")
print(f"| user space, Asio (reactor, handlers, coroutines) | {self_of(lambda k, n: not k and 'boost::asio' in n and 'rdpfault::' not in n):.1f} % |")
print(f"| user space, everything | {self_of(lambda k, n: not k):.1f} % |")
print()
print("Top self-time symbols of that thread:")
print()
print("| self | symbol |")
print("|---|---|")
for c, s, k, n in sorted(syms, key=lambda x: -x[1])[:12]:
    n = n if len(n) <= 90 else n[:87] + "..."
    print(f"| {s:.1f} % | `{'[k] ' if k else ''}{n}` |")
print()
PY
fi

if [ "$profile" = 1 ] && command -v valgrind >/dev/null; then
  RDPFAULT_LINK_BENCH_WRAP="valgrind --tool=massif --threshold=0.5 --massif-out-file=$tmp/massif.out" \
    "$bin" --quick --reps 1 --memory-case 2 memory >/dev/null 2>&1 || true
  if [ -s "$tmp/massif.out" ]; then
    ms_print --threshold=1 "$tmp/massif.out" > "$tmp/ms.txt"
    python3 - "$tmp/ms.txt" > "$tmp/heap.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
# The peak snapshot: its total, then its top-level allocation sites ("->NN.NN% (B) ...").
peak = re.search(r"Detailed snapshots: \[.*?(\d+) \(peak\)\]", text).group(1)
block = re.search(r"^\s+" + peak + r"\s+[\d,]+\s+([\d,]+).*?\n(.*?)(?=^\s+\d+\s+[\d,]+\s+[\d,]+|\Z)", text, re.S | re.M)
total = int(block.group(1).replace(",", ""))
sessions = 200
print(f"Heap of `rdpfault serve` with `latency:direction=both,latency_ms=1` and {sessions} idle sessions "
      f"(valgrind massif, peak snapshot: {total / 1024:.0f} KiB in total, {total / 1024 / sessions:.1f} KiB per session incl. the baseline):")
print()
print("| allocation site (top level) | bytes | per session |")
print("|---|---|---|")
for m in re.finditer(r"^->([0-9.]+)% \(([\d,]+)B\) (?:0x[0-9A-F]+: )?(.*)$", block.group(2), re.M):
    b = int(m.group(2).replace(",", ""))
    site = re.sub(r"\(in /.*\)$", "", m.group(3)).strip()
    site = re.sub(r"\(rdpfault::fakeserver::Link::reader\(.*", "(Link::reader)", site)
    site = re.sub(r"\(.*\) \[clone \.actor\]", "", site)
    if len(site) > 80:
        site = site[:77] + "..."
    print(f"| `{site}` | {b} | {b / sessions / 1024:.1f} KiB |")
print()
PY
  fi
fi

out=$("$bin" --profile-note "$note" "${args[@]}")
heap=""
[ -s "$tmp/heap.md" ] && heap=$(cat "$tmp/heap.md")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
rev=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet HEAD -- fakeserver bench 2>/dev/null || rev="$rev with local changes"
report=$(cat <<EOF
# bench/link.sh report

Measured by \`bench/link.sh$cmdline\` (runs \`build/release/bin/rdpfault_link_bench\`, release build, $rev)
on $(date -u +%Y-%m-%d), $(nproc) cores, $cpu; load average before the run: $load_before.
Everything on 127.0.0.1; the benchmark's own servers are plain blocking sockets, one thread per
connection. Numbers, not verdicts: no test fails on them.

$out

$heap
EOF
)
dest=${LINK_BENCH_OUT:-build/release/link_bench.md}
printf '%s\n' "$report" > "$dest"
printf '%s\n' "$report"
