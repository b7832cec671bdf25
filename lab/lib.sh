# Common helpers for rdptriage lab scenarios. Source this file; do not run it.
# Every background process is recorded by PID and stopped by PID on exit; every namespace
# this lab creates is named rdpt-* and deleted on exit.
set -u

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${RDPT_OUT:-$LAB_DIR/out}"
LOGS="$OUT/logs"
mkdir -p "$OUT" "$LOGS"
WORK="$(mktemp -d /tmp/rdpt-lab.XXXXXX)"
PIDS=()
NETNS_CREATED=()

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# bg NAME CMD...   start CMD in background, remember its PID in PIDS and in $LAST_PID
bg() {
    local name="$1"; shift
    "$@" >"$WORK/$name.out" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# bg_ns NS NAME CMD...   like bg but inside network namespace NS
bg_ns() {
    local ns="$1" name="$2"; shift 2
    ip netns exec "$ns" "$@" >"$WORK/$name.out" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

stop_pid() {
    local pid="$1"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local i
    for ((i=${#PIDS[@]}-1; i>=0; i--)); do stop_pid "${PIDS[$i]}"; done
    for ns in "${NETNS_CREATED[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# wait_for TIMEOUT_S CMD...  poll CMD every 0.2 s until it succeeds, at most TIMEOUT_S seconds
wait_for() {
    local t="$1"; shift
    local n=$(( t * 5 ))
    while (( n-- > 0 )); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# capture_start [NS] IFACE FILE FILTER   tcpdump (immediate mode) into FILE; sets CAP_PID
capture_start() {
    local ns=""
    if [[ $# -eq 4 ]]; then ns="$1"; shift; fi
    local iface="$1" file="$2" filter="$3"
    rm -f "$file"
    if [[ -n "$ns" ]]; then
        ip netns exec "$ns" tcpdump -i "$iface" -n -U --immediate-mode -s 0 -w "$file" "$filter" \
            >"$WORK/tcpdump.$$.$RANDOM.log" 2>&1 &
    else
        tcpdump -i "$iface" -n -U --immediate-mode -s 0 -w "$file" "$filter" \
            >"$WORK/tcpdump.$$.$RANDOM.log" 2>&1 &
    fi
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    wait_for 10 test -s "$file" || { log "tcpdump did not start for $file"; return 1; }
    sleep 0.3
}

capture_stop() {
    local pid="$1"
    sleep 0.5
    kill -INT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

# record_client NAME CMDSTRING   run the client command (a shell string, already wrapped in
# `timeout`), store the command and its combined output next to the capture.
record_client() {
    local name="$1" cmd="$2"
    printf '%s\n' "$cmd" >"$LOGS/$name.cmd"
    set +e
    bash -c "$cmd" >"$LOGS/$name.client.txt" 2>&1
    local rc=$?
    set -e
    echo "exit=$rc" >>"$LOGS/$name.client.txt"
    log "$name: client exit $rc"
}

versions() {
    echo "openssl=$(openssl version | awk '{print $2}')"
    echo "tcpdump=$(tcpdump --version 2>&1 | awk 'NR==1{print $3}')"
    echo "tshark=$(tshark --version | awk 'NR==1{print $3}')"
    command -v xrdp >/dev/null && echo "xrdp=$(dpkg-query -W -f='${Version}' xrdp 2>/dev/null)"
    command -v xfreerdp >/dev/null && echo "freerdp=$(dpkg-query -W -f='${Version}' freerdp2-x11 2>/dev/null)"
    echo "kernel=$(uname -r)"
}

# drop a key log that holds no secrets (only comments), e.g. after a failed handshake
prune_keys() {
    local f="$1"
    [[ -f "$f" ]] || return 0
    grep -qv '^#' "$f" || rm -f "$f"
}
