#!/bin/bash
# More healthy xrdp TLS sessions (same setup as xrdp_session.sh: xrdp in rdpt-srv, xfreerdp in
# rdpt-cli trusting only the lab CA, /cert:deny, key log via the LD_PRELOAD shim, capture on the
# client's eth0, tcp port 3389; every session ends at xrdp's login screen, no sesman):
#   * rdp-capture-starts-mid-session-xrdp: tcpdump starts 4 s after the client, while the session
#     is up; 10 s of pointer motion and typing into xrdp's login box (tools/x_activity.py, XTest
#     on the client's Xvfb), then the xfreerdp window gets WM_DELETE_WINDOW (what a window
#     manager's close button sends) and the client disconnects by itself;
#   * rdp-tls10-several-xrdp: xrdp restricted to TLS 1.0 (as rdp-tls10-cbc-xrdp in
#     xrdp_session.sh) and three successive xfreerdp /tls-seclevel:0 sessions in one capture, 3 s apart (with 1 s, xrdp
#     - one connection at a time, fork=false - once answered the next X.224 request only after
#     the client had given up).
# Needs: xrdp, freerdp2-x11, xvfb, libx11-6, libxtst6, iproute2, ethtool, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=69; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
C=$CA_DIR
TLS="security_layer=tls certificate=$C/good.crt key_file=$C/good.key"
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3
cat >"$WORK/no-etm.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -EncryptThenMac
EOF

case_mid_session() {
    local name=rdp-capture-starts-mid-session-xrdp
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    write_xrdp_ini "$WORK/$name.ini" $TLS
    start_xrdp "$WORK/$name.ini"
    # no key log shipped: the capture has no TLS handshake (no client random), nothing can use it
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$WORK/$name.keys") timeout 30 xfreerdp /v:$SRV_IP /u:labuser /cert:deny /log-level:INFO /sec:tls /size:320x240 /bpp:16 +compression" &
    local rpid=$!
    PIDS+=("$rpid")
    sleep 4
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    log "$name: capture started 4 s after the client"
    DISPLAY=:$CLIENT_DISPLAY timeout 15 $PY "$LAB_DIR/tools/x_activity.py" :$CLIENT_DISPLAY type 10 \
        >"$LOGS/$name.x_activity.txt" 2>&1 || true
    DISPLAY=:$CLIENT_DISPLAY timeout 5 $PY "$LAB_DIR/tools/x_activity.py" :$CLIENT_DISPLAY close \
        >>"$LOGS/$name.x_activity.txt" 2>&1 || log "$name: close failed"
    wait "$rpid" 2>/dev/null || true
    capture_stop "$cap"
    stop_pid "$XRDP_PID"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
}

case_tls10_several() {
    local name=rdp-tls10-several-xrdp
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    write_xrdp_ini "$WORK/$name.ini" $TLS ssl_protocols=TLSv1 "tls_ciphers=ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
    XRDP_ENV="OPENSSL_CONF=$WORK/no-etm.cnf" start_xrdp "$WORK/$name.ini"
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    local one="ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout 3 xfreerdp /v:$SRV_IP /u:labuser /cert:deny /log-level:INFO /sec:tls /tls-seclevel:0 /size:${TLS10_SIZE:-200x150} /bpp:16 +compression"
    record_client "$name" "for i in 1 2 3; do $one; echo \"connection \$i exit=\$?\"; sleep 3; done"
    capture_stop "$cap"
    stop_pid "$XRDP_PID"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

case_mid_session
case_tls10_several
versions >"$LOGS/${ONLY:-xrdp_more_sessions}.versions"
