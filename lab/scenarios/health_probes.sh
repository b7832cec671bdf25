#!/bin/bash
# TCP health checks against xrdp on 3389 - what a load balancer or monitoring does all day, not
# anybody's failed connection:
#   * haproxy (Debian package) in the router namespace, listening on 10.0.1.1:3389 (mode tcp) in
#     front of xrdp 10.0.2.2:3389, `option tcp-check` (connect-only check) every 200 ms;
#     captured on the server's eth0 (the checks come from the balancer's 10.0.2.1);
#   * the same balancer and checks while one healthy xfreerdp session runs through it;
#   * `nc -z` (OpenBSD netcat) in a loop from the client namespace, captured on the client's eth0.
# xrdp: TLS, lab-CA certificate with CN 10.0.1.1 (the client connects to the
# balancer's address); xfreerdp trusts only the lab CA, /cert:deny, key log via the shim.
# Needs: haproxy, xrdp, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, gcc, netcat-openbsd.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"

topo_up
make_ca
# CN 10.0.1.1: FreeRDP 2.11 matches the host it connects to (the balancer) against the CN/DNS names
make_cert good 10.0.1.1 "IP:10.0.1.1,IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=67; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
C=$CA_DIR
write_xrdp_ini "$WORK/xrdp.ini" security_layer=tls certificate=$C/good.crt key_file=$C/good.key
start_xrdp "$WORK/xrdp.ini"

cat >"$WORK/haproxy.cfg" <<EOF
global
    log stdout format raw local0 info
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend rdp
    bind $RTR_CIP:3389
    default_backend xrdp
backend xrdp
    option tcp-check
    server xrdp1 $SRV_IP:3389 check inter 200ms fall 3 rise 2
EOF

start_haproxy() {
    bg_ns $RTR_NS haproxy haproxy -db -f "$WORK/haproxy.cfg"
    HAPROXY_PID=$LAST_PID
    wait_for 10 bash -c "ip netns exec $RTR_NS ss -ltn | grep -q '$RTR_CIP:3389 '" \
        || { log "haproxy did not listen"; cat "$WORK/haproxy.out" >&2; return 1; }
}

# haproxy's checks only, ~8 s of them
case_haproxy_only() {
    local name=rdp-health-probes-haproxy
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    capture_start $SRV_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    # no client: the "client command" is the balancer itself
    printf '%s\n' "ip netns exec $RTR_NS haproxy -db -f haproxy.cfg   # (config below; run for 8 s)" >"$LOGS/$name.cmd"
    cat "$WORK/haproxy.cfg" >>"$LOGS/$name.cmd"
    start_haproxy
    sleep 8
    capture_stop "$cap"
    stop_pid "$HAPROXY_PID"
    { cat "$WORK/haproxy.out"; echo "exit=0"; } >"$LOGS/$name.client.txt"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
}

# the checks plus one healthy xfreerdp session through the balancer
case_haproxy_session() {
    local name=rdp-health-probes-haproxy-session
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    start_haproxy
    capture_start $SRV_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    sleep 2
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout 4 xfreerdp /v:$RTR_CIP /u:labuser /cert:deny /log-level:INFO /sec:tls /size:320x240 /bpp:16 +compression"
    sleep 2
    capture_stop "$cap"
    stop_pid "$HAPROXY_PID"
    cp "$WORK/haproxy.out" "$LOGS/$name.haproxy.txt"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

# nc -z from the client namespace: connect, close, 30 times
case_nc() {
    local name=rdp-health-probes-nc
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    record_client "$name" "for i in \$(seq 1 30); do ip netns exec $CLI_NS timeout 5 nc -z -w 2 $SRV_IP 3389; echo \"probe \$i exit=\$?\"; sleep 0.2; done"
    capture_stop "$cap"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
}

case_haproxy_only
case_haproxy_session
case_nc
stop_pid "$XRDP_PID"
{ versions; echo "haproxy=$(dpkg-query -W -f='${Version}' haproxy 2>/dev/null)"; \
  echo "netcat=$(dpkg-query -W -f='${Version}' netcat-openbsd 2>/dev/null)"; } >"$LOGS/${ONLY:-health_probes}.versions"
