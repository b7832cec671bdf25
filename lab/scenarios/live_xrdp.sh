#!/bin/bash
# `rdptriage live` on the router between a real xfreerdp client and a real xrdp server: each
# attempt's verdict must arrive while the capture runs (the script waits for it before the
# next case, so a verdict that only comes at the end fails the run), then SIGINT ends the
# capture with the summary.  The client's key log (LD_PRELOAD shim) is given to
# `rdptriage live --keylog` and grows while it runs.
# Writes $OUT/live-xrdp.jsonl (the JSON Lines events) and $OUT/live-xrdp.err.
# Needs: everything xrdp_tls.sh needs, and RDPTRIAGE=<rdptriage built with --features live>.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
RDPTRIAGE="${RDPTRIAGE:?set RDPTRIAGE to an rdptriage built with --features live}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
make_selfsigned selfsigned 10.0.2.2 "IP:10.0.2.2"
make_cert expired 10.0.2.2 "IP:10.0.2.2" "-40d" 10              # expired 30 days ago
build_shim
CLIENT_DISPLAY=63; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
EVENTS="$OUT/live-xrdp.jsonl"
KEYS="$OUT/live-xrdp.keys"
rm -f "$EVENTS" "$KEYS"
touch "$KEYS"

# The capture runs in the router namespace on the client-facing interface.
ip netns exec $RTR_NS "$RDPTRIAGE" live -i c0 --format json --stats 0 --attempt-window 3 \
    --keylog "$KEYS" >"$EVENTS" 2>"$OUT/live-xrdp.err" &
LIVE_PID=$!
PIDS+=("$LIVE_PID")
wait_for 10 grep -q "capturing on" "$OUT/live-xrdp.err" \
    || { log "rdptriage live did not start"; cat "$OUT/live-xrdp.err" >&2; exit 1; }

# The same packets, saved by tcpdump, to compare with `rdptriage analyze` afterwards.
capture_start $RTR_NS c0 "$OUT/live-xrdp.pcap" "port 3389 or icmp"
TCPDUMP_PID=$CAP_PID

attempts() { grep -c '"event":"attempt"' "$EVENTS" || true; }
more_attempts_than() { [ "$(attempts)" -gt "$1" ]; }

# run_case NAME CLIENT_TIMEOUT "CLIENT ARGS" XRDP_KEY=VALUE...
run_case() {
    local name="$1" tmo="$2" cargs="$3"; shift 3
    local before; before=$(attempts)
    log "case $name"
    write_xrdp_ini "$WORK/$name.ini" "$@"
    start_xrdp "$WORK/$name.ini"
    record_client "live-$name" "ip netns exec $CLI_NS env $(client_env "$KEYS") timeout $tmo xfreerdp /v:$SRV_IP /u:labuser /cert:deny /log-level:INFO $cargs"
    stop_pid "$XRDP_PID"
    # The verdict arrives while capturing: RST/FIN + 5 s, then the 3 s window.
    wait_for 30 more_attempts_than "$before" \
        || { log "no verdict for $name while capturing"; exit 1; }
    log "$name: verdict arrived"
}

C=$CA_DIR
run_case tls-healthy 4 "/sec:tls /size:320x240 /bpp:16 +compression" \
    security_layer=tls certificate=$C/good.crt key_file=$C/good.key

run_case cert-untrusted 15 "/sec:tls" \
    security_layer=tls certificate=$C/selfsigned.crt key_file=$C/selfsigned.key ssl_protocols=TLSv1.2
run_case seclayer-rdp-server-tls-client 15 "/sec:tls" \
    security_layer=rdp certificate=$C/good.crt key_file=$C/good.key
# TLS 1.3 sends the certificate encrypted: only the key log, read as it grows, shows it.
run_case tls13-cert-expired 15 "/sec:tls" \
    security_layer=tls certificate=$C/expired.crt key_file=$C/expired.key ssl_protocols=TLSv1.3

capture_stop "$TCPDUMP_PID"
kill -INT "$LIVE_PID"
set +e
wait "$LIVE_PID"
echo "exit=$?" >>"$OUT/live-xrdp.err"
set -e
grep -q '"event":"end"' "$EVENTS" || { log "no end event"; exit 1; }
log "live-xrdp: $(attempts) verdicts while capturing, then the summary"
