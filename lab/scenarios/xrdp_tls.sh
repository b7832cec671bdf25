#!/bin/bash
# xrdp (server, TLS / standard RDP security) vs xfreerdp (client) across the three namespaces.
# Captured on the client's interface, filter tcp port 3389.  The client trusts only the lab CA
# (SSL_CERT_FILE/SSL_CERT_DIR), rejects anything else with /cert:deny, and writes a key log via
# the LD_PRELOAD shim (keylog/keylog_shim.c).
# Needs: xrdp, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, faketime, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"     # optional: run only the case with this name

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
make_cert expired 10.0.2.2 "IP:10.0.2.2" "-40d" 10              # expired 30 days ago
make_cert othername rdp.example.net "DNS:rdp.example.net"          # valid, but for another name
make_selfsigned selfsigned 10.0.2.2 "IP:10.0.2.2"                  # not issued by the lab CA
make_cert future 10.0.2.2 "IP:10.0.2.2" "+30d" 365              # valid only from 30 days after now
build_shim
CLIENT_DISPLAY=61; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"

# run_case NAME CLIENT_TIMEOUT "CLIENT ARGS" XRDP_KEY=VALUE...
run_case() {
    local name="$1" tmo="$2" cargs="$3"; shift 3
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys"
    write_xrdp_ini "$WORK/$name.ini" "$@"
    start_xrdp "$WORK/$name.ini"
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    record_client "$name" "ip netns exec $CLI_NS env $(client_env "$OUT/$name.keys") timeout $tmo xfreerdp /v:$SRV_IP /u:labuser /cert:deny /log-level:INFO $cargs"
    capture_stop "$cap"
    stop_pid "$XRDP_PID"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

C=$CA_DIR
# healthy: TLS security, certificate from the lab CA; ends at xrdp's login screen (no sesman)
run_case rdp-tls-healthy-xrdp 4 "/sec:tls /size:320x240 /bpp:16 +compression" \
    security_layer=tls certificate=$C/good.crt key_file=$C/good.key
# standard RDP security (no TLS: GCC, server random and proprietary certificate in clear, RC4
# afterwards).  Meant as a healthy session, but with xrdp 0.9.21 + FreeRDP 2.11 it fails at every
# crypt_level: xrdp reports "MAC checksum error" on the encrypted Client Info PDU and disconnects.
run_case rdp-stdsec-server-disconnect-xrdp 15 "/sec:rdp /size:320x240 /bpp:16 +compression" \
    security_layer=rdp crypt_level=${STDSEC_LEVEL:-high}
# certificate problems (client rejects after the TLS handshake)
run_case rdp-tls12-cert-expired-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/expired.crt key_file=$C/expired.key ssl_protocols=TLSv1.2
run_case rdp-tls13-cert-expired-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/expired.crt key_file=$C/expired.key ssl_protocols=TLSv1.3
run_case rdp-cert-name-mismatch-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/othername.crt key_file=$C/othername.key ssl_protocols=TLSv1.2
run_case rdp-cert-untrusted-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/selfsigned.crt key_file=$C/selfsigned.key ssl_protocols=TLSv1.2
run_case rdp-cert-not-yet-valid-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/future.crt key_file=$C/future.key ssl_protocols=TLSv1.2
# server-side certificate problems
run_case rdp-server-cert-missing-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/does-not-exist.crt key_file=$C/does-not-exist.key
run_case rdp-server-key-mismatch-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/good.crt key_file=$C/othername.key
# TLS parameter mismatches
run_case rdp-tls-version-mismatch-xrdp 15 "/sec:tls" \
    security_layer=tls certificate=$C/good.crt key_file=$C/good.key ssl_protocols=TLSv1 \
    "tls_ciphers=DEFAULT:@SECLEVEL=0"
run_case rdp-tls-cipher-mismatch-xrdp 15 "/sec:tls /tls-ciphers:ECDHE-RSA-AES256-GCM-SHA384" \
    security_layer=tls certificate=$C/good.crt key_file=$C/good.key ssl_protocols=TLSv1.2 \
    "tls_ciphers=AES128-SHA"
# security-layer mismatches, as xrdp handles them
run_case rdp-seclayer-rdp-server-tls-client-xrdp 15 "/sec:tls" \
    security_layer=rdp certificate=$C/good.crt key_file=$C/good.key
run_case rdp-seclayer-tls-server-rdp-client-xrdp 15 "/sec:rdp" \
    security_layer=tls certificate=$C/good.crt key_file=$C/good.key
run_case rdp-seclayer-tls-server-nla-client-xrdp 15 "/sec:nla /p:labpass" \
    security_layer=tls certificate=$C/good.crt key_file=$C/good.key
versions >"$LOGS/xrdp_tls.versions"
