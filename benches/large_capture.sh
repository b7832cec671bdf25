#!/usr/bin/env bash
# Whole-binary speed and peak memory over large replicated captures (see BENCHMARKS.md).
#
#   benches/large_capture.sh [SIZE...]        # default: 1g 4g
#   RUNS=5 KEEP=1 benches/large_capture.sh 1g
#
# Unless BIN names a binary to measure, builds the release binary in its own target
# directory (target/bench-release: other builds sharing target/release cannot swap the
# binary mid-measurement). For each SIZE:
# builds bench-data/large-SIZE.pcap with the make_large_capture bench target (unless it
# exists), then RUNS times (default 3): reads the file to warm the page cache (this VM's
# proactive reclaim evicts idle file pages, so each run re-warms; `fincore` shows the
# cached share), and runs
#   /usr/bin/time -v target/bench-release/release/rdptriage analyze --format json \
#       -o /dev/null FILE
# Prints every run and the medians: wall seconds, GB/s (file bytes / wall seconds,
# 1 GB = 1e9 bytes), CPU seconds (user + sys), and peak RSS. The generated files are
# deleted at the end unless KEEP=1.
#
# Other knobs: CONVERSATIONS=N passes --conversations=N to the generator (distinct
# 5-tuples in the file; the file is then named large-SIZE-cN.pcap); NICE=-20 runs the
# analysis under `nice -n -20` (root only) so that concurrent builds on this shared
# machine take less of its CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1g 4g)
mkdir -p bench-data
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/bench-release}
if [ -n "${BIN:-}" ]; then
    bin=$BIN    # e.g. built from a clean `git archive HEAD` snapshot (see BENCHMARKS.md)
else
    cargo build --release --quiet
    bin=$CARGO_TARGET_DIR/release/rdptriage
    echo "built from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo ' + uncommitted src changes')"
fi
echo "binary: $bin"
for size in "${sizes[@]}"; do
    file=bench-data/large-$size${CONVERSATIONS:+-c$CONVERSATIONS}.pcap
    [ -f "$file" ] || cargo bench --quiet --bench make_large_capture -- "$file" "$size" \
        ${CONVERSATIONS:+--conversations=$CONVERSATIONS}
    bytes=$(stat -c %s "$file")
    walls=() cpus=() rss=()
    for run in $(seq "$RUNS"); do
        cat "$file" > /dev/null
        cached=$(fincore -n -o RES "$file" 2>/dev/null | tr -d ' ' || echo '?')
        # Exit status 1 only says findings were reported; 2 means unreadable input.
        out=$(nice -n "${NICE:-0}" /usr/bin/time -v "$bin" analyze --format json -o /dev/null \
            "$file" 2>&1 >/dev/null) || true
        status=$(awk -F': ' '/Exit status/ {print $2}' <<<"$out")
        [ "${status:-0}" -lt 2 ] || { echo "$out" >&2; exit 1; }
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0;
            for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' <<<"$out")
        user=$(awk -F': ' '/User time/ {print $2}' <<<"$out")
        sys=$(awk -F': ' '/System time/ {print $2}' <<<"$out")
        kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$out")
        cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
        gbs=$(awk -v b="$bytes" -v w="$wall" 'BEGIN {printf "%.2f", b / w / 1e9}')
        printf '%s run %d: wall %.2f s (%s GB/s), cpu %s s, peak RSS %.1f MiB, load %s, cached %s\n' \
            "$file" "$run" "$wall" "$gbs" "$cpu" "$(awk -v k="$kb" 'BEGIN {print k / 1024}')" \
            "$(cut -d' ' -f1 /proc/loadavg)" "$cached"
        walls+=("$wall") cpus+=("$cpu") rss+=("$kb")
    done
    median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
    mw=$(median "${walls[@]}") mc=$(median "${cpus[@]}") mr=$(median "${rss[@]}")
    printf '%s median of %d: %s bytes, wall %.2f s = %.2f GB/s, cpu %.2f s = %.2f GB/s, peak RSS %.1f MiB\n' \
        "$file" "$RUNS" "$bytes" "$mw" "$(awk -v b="$bytes" -v w="$mw" 'BEGIN {print b / w / 1e9}')" \
        "$mc" "$(awk -v b="$bytes" -v c="$mc" 'BEGIN {print b / c / 1e9}')" \
        "$(awk -v k="$mr" 'BEGIN {print k / 1024}')"
done
if [ "${KEEP:-0}" != 1 ]; then
    for size in "${sizes[@]}"; do
        rm -f "bench-data/large-$size${CONVERSATIONS:+-c$CONVERSATIONS}.pcap"
    done
fi
