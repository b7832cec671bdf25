#!/bin/bash
# freerdp-shadow-cli /sec:tls +auth (TLS security, no NLA) refusing the Client Info credentials.
# The shadow server checks them with PAM (service "login": the first of lightdm/gdm/xdm/login/sshd
# present in /etc/pam.d) in its PostConnect callback, which FreeRDP 2.11's peer code calls once
# the client is active (after the Font Map); on failure (after pam_faildelay's ~3 s) the shadow
# client thread ends with peer->Disconnect only: TLS close_notify + FIN, no Deactivate All, no
# Set Error Info, no Disconnect Provider Ultimatum (shadow_client.c never calls peer->Close, and
# a FreeRDP 2.11 server never sets an errorInfo of its own).
# Captured on the client's eth0 (tcp port 3389), key log via the shim.
# Needs: freerdp2-shadow-x11, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=67; start_xvfb $CLIENT_DISPLAY
SERVER_DISPLAY=68; start_xvfb $SERVER_DISPLAY; SERVER_XVFB=$LAST_PID
mkdir -p "$WORK/home" "$WORK/shome/.config/freerdp/shadow"
cp "$CA_DIR/good.crt" "$WORK/shome/.config/freerdp/shadow/shadow.crt"
cp "$CA_DIR/good.key" "$WORK/shome/.config/freerdp/shadow/shadow.key"
start_shadow() {   # BIND_ADDR SHADOW_ARGS...
    local addr="$1"; shift
    if ! kill -0 "$SERVER_XVFB" 2>/dev/null; then
        log "restarting Xvfb :$SERVER_DISPLAY"; start_xvfb $SERVER_DISPLAY; SERVER_XVFB=$LAST_PID
    fi
    bg_ns $SRV_NS shadow env HOME="$WORK/shome" DISPLAY=:$SERVER_DISPLAY \
        freerdp-shadow-cli /port:3389 /bind-address:$addr "$@"
    SHADOW_PID=$LAST_PID
    wait_for 10 bash -c "ip netns exec $SRV_NS ss -ltn | grep -q '$addr:3389 '" \
        || { log "shadow did not listen"; cat "$WORK/shadow.out" >&2; return 1; }
}

client_cmd() {   # NAME TIMEOUT ARGS
    echo "ip netns exec $CLI_NS env $(client_env "$OUT/$1.keys") timeout $2 xfreerdp /v:$SRV_IP /cert:deny /log-level:INFO /size:320x240 /bpp:16 $3"
}

# direct: shadow server in TLS mode refuses the Client Info credentials (PAM)
case_direct() {
    local name=rdp-tls-logon-refused-shadow
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    start_shadow $SRV_IP /sec:tls +auth
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    record_client "$name" "$(client_cmd $name 20 "/sec:tls /u:labuser /p:wrongpass")"
    capture_stop "$cap"
    stop_pid "$SHADOW_PID"
    cp "$WORK/shadow.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

case_direct
versions >"$LOGS/shadow_tls_auth.versions"
