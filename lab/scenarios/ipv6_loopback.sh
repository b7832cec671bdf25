#!/bin/bash
# RDP over IPv6 on the loopback of a namespace of our own (rdpt-v6): xrdp (TLS 1.2, self-signed
# certificate) <- xfreerdp /v:[::1] trusting only the lab CA -> certificate rejected after the
# handshake.  Gives the manifest an RDP conversation over IPv6 ([::1]:port notation).
# Note: with FreeRDP 2.11, "/v:[::1]:3389" sent no packet at all in this lab; "/v:[::1]" works.
# Needs: xrdp, freerdp2-x11, xvfb, iproute2, tcpdump, openssl, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
NS=rdpt-v6
ip netns del $NS 2>/dev/null || true
ip netns add $NS; NETNS_CREATED+=("$NS")
ip -n $NS link set lo up
SRV_NS=$NS     # start_xrdp runs xrdp in $SRV_NS
make_ca
make_selfsigned selfsigned "::1" "IP:::1"
build_shim
CLIENT_DISPLAY=68; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"
name=rdp-cert-untrusted-ipv6-xrdp
write_xrdp_ini "$WORK/$name.ini" security_layer=tls certificate=$CA_DIR/selfsigned.crt \
    key_file=$CA_DIR/selfsigned.key ssl_protocols=TLSv1.2
start_xrdp "$WORK/$name.ini"
capture_start $NS lo "$OUT/$name.pcap" "tcp port 3389"
cap=$CAP_PID
rm -f "$OUT/$name.keys"
record_client "$name" "ip netns exec $NS env $(client_env "$OUT/$name.keys") timeout 15 xfreerdp /v:[::1] /u:labuser /sec:tls /cert:deny /log-level:INFO"
capture_stop "$cap"
stop_pid "$XRDP_PID"
cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
prune_keys "$OUT/$name.keys"
versions >"$LOGS/ipv6_loopback.versions"
