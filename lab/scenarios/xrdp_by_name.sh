#!/bin/bash
# A healthy xfreerdp -> xrdp TLS connection where the client connects by host name
# (/v:rdp.lab.test) and resolves it with DNS first.  A tiny DNS responder
# (tools/tiny_dns.py, --lifetime 30) runs in the router namespace on 10.0.1.1:53 and answers
# A rdp.lab.test -> 10.0.2.2 (AAAA: NOERROR without answer, anything else NXDOMAIN); the client
# namespace gets /etc/netns/rdpt-cli/resolv.conf (`ip netns exec` bind-mounts it over
# /etc/resolv.conf) pointing at it, removed again on exit.  xrdp (TLS 1.2, so the Certificate
# message is in clear) has a lab-CA certificate with SAN DNS:rdp.lab.test, IP:10.0.2.2; the
# client trusts only the lab CA and runs with /cert:deny.  Captured on the client's eth0, filter
# "tcp port 3389 or udp port 53 or icmp".  Ends at xrdp's login screen (no sesman), the client is
# stopped by `timeout 4` like rdp-tls-healthy-xrdp.
# Needs: xrdp, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, faketime, gcc, python3.
#
#   sudo lab/scenarios/xrdp_by_name.sh [rdp-by-name-healthy-xrdp]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3
NAME_FQDN=rdp.lab.test
DNS_IP=$RTR_CIP

# the client namespace's resolv.conf: created here, removed on exit (before lib.sh's cleanup)
NETNS_ETC=/etc/netns/$CLI_NS
NETNS_ETC_MADE=()
resolv_off() {
    rm -f "$NETNS_ETC/resolv.conf"
    local d
    for d in "${NETNS_ETC_MADE[@]}"; do rmdir "$d" 2>/dev/null || true; done
}
trap 'resolv_off; cleanup' EXIT
resolv_on() {
    [[ -d /etc/netns ]] || { mkdir /etc/netns; NETNS_ETC_MADE=(/etc/netns); }
    [[ -d $NETNS_ETC ]] || { mkdir "$NETNS_ETC"; NETNS_ETC_MADE=("$NETNS_ETC" "${NETNS_ETC_MADE[@]}"); }
    printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$DNS_IP" >"$NETNS_ETC/resolv.conf"
}

topo_up
make_ca
make_cert byname $NAME_FQDN "DNS:$NAME_FQDN,IP:$SRV_IP"
build_shim
CLIENT_DISPLAY=67; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
C=$CA_DIR
resolv_on

# run_case NAME CLIENT_TIMEOUT "CLIENT ARGS" XRDP_KEY=VALUE...
run_case() {
    local name="$1" tmo="$2" cargs="$3"; shift 3
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    write_xrdp_ini "$WORK/$name.ini" "$@"
    start_xrdp "$WORK/$name.ini"
    bg_ns $RTR_NS dns $PY "$LAB_DIR/tools/tiny_dns.py" --bind "$DNS_IP" --name $NAME_FQDN \
        --addr "$SRV_IP" --lifetime 30
    local dpid=$LAST_PID
    wait_for 10 bash -c "ip netns exec $RTR_NS ss -lun | grep -q '$DNS_IP:53 '" \
        || { log "tiny_dns did not listen"; cat "$WORK/dns.out" >&2; return 1; }
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389 or udp port 53 or icmp"
    local cap=$CAP_PID
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout $tmo xfreerdp /v:$NAME_FQDN /u:labuser /cert:deny /log-level:INFO $cargs"
    capture_stop "$cap"
    stop_pid "$XRDP_PID"
    stop_pid "$dpid"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
    cp "$WORK/dns.out" "$LOGS/$name.dns.txt"
    prune_keys "$OUT/$name.keys"
}

run_case rdp-by-name-healthy-xrdp 4 "/sec:tls /size:320x240 /bpp:16 +compression" \
    security_layer=tls certificate=$C/byname.crt key_file=$C/byname.key ssl_protocols=TLSv1.2
# per-case name: this script records a single case
versions >"$LOGS/rdp-by-name-healthy-xrdp.versions"
