#!/bin/bash
# RD Gateway stand-in (lab/gateway/rdg_standin.py, HTTPS on 10.0.2.2:443) in front of xrdp
# (10.0.2.2:3389, TLS); client xfreerdp /g: with the legacy HTTP transport (no websockets).
# Captured on the client's interface (tcp port 443 or 3389); key log from the client's shim
# (outer gateway TLS and inner RDP TLS) plus the stand-in's own key log.
# Needs: xrdp, freerdp2-x11, xvfb, python3, iproute2, ethtool, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=67; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
C=$CA_DIR
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3

run_case() {   # NAME MODE CLIENT_TIMEOUT [notarget]
    local name="$1" mode="$2" tmo="$3" notarget="${4:-}"
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys" "$WORK/gw.keys"
    XRDP_PID=""
    if [[ -z "$notarget" ]]; then
        write_xrdp_ini "$WORK/$name.ini" security_layer=tls certificate=$C/good.crt key_file=$C/good.key
        start_xrdp "$WORK/$name.ini"
    fi
    bg_ns $SRV_NS gateway $PY "$LAB_DIR/gateway/rdg_standin.py" --listen $SRV_IP:443 \
        --cert $C/good.crt --key $C/good.key --keylog "$WORK/gw.keys" --mode "$mode" --lifetime 60
    local gpid=$LAST_PID
    wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q ':443 '" \
        || { log "gateway did not listen"; cat "$WORK/gateway.out" >&2; return 1; }
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 443 or tcp port 3389"
    local cap=$CAP_PID
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout $tmo xfreerdp /g:$SRV_IP:443 /gu:labuser /gp:labpass /gd:LAB /gt:http,no-websockets /v:$SRV_IP /u:labuser /sec:tls /cert:deny /log-level:${CLIENT_LOGLEVEL:-INFO} /size:320x240 /bpp:16"
    capture_stop "$cap"
    stop_pid "$gpid"
    cp "$WORK/gateway.out" "$LOGS/$name.server.txt"
    if [[ -n "$XRDP_PID" ]]; then
        stop_pid "$XRDP_PID"
        cat "$WORK/xrdp.out" >>"$LOGS/$name.server.txt"
    fi
    # one key log per capture: the client's (both TLS layers) plus the stand-in's
    cat "$WORK/gw.keys" >>"$OUT/$name.keys" 2>/dev/null || true
    prune_keys "$OUT/$name.keys"
}

run_case rdg-healthy-standin correct 5
run_case rdg-no-content-length-standin no-content-length 15
run_case rdg-auth-denied-standin deny-auth 15
run_case rdg-target-unreachable-standin correct 15 notarget
versions >"$LOGS/gateway.versions"
