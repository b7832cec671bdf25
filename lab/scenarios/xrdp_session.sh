#!/bin/bash
# Healthy xrdp TLS sessions for reading the RDP session inside TLS: an idle session, a capture
# stopped while the session is up, TLS 1.2 CBC suites (with and without encrypt-then-mac), TLS
# 1.0, and RSA key exchange (TLS_RSA_*: the server's private key decrypts the capture).
# Same setup as xrdp_tls.sh: xrdp in rdpt-srv, xfreerdp in rdpt-cli (trusts only the lab CA,
# /cert:deny, key log via the LD_PRELOAD shim), capture on the client's eth0, tcp port 3389.
# Every session ends at xrdp's login screen (no sesman) and the client is stopped by timeout(1).
# Needs: xrdp, freerdp2-x11, xvfb, iproute2, ethtool, tcpdump, openssl, faketime, gcc.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"     # optional: run only the case with this name

topo_up
make_ca
make_cert good 10.0.2.2 "IP:10.0.2.2"
build_shim
CLIENT_DISPLAY=66; start_xvfb $CLIENT_DISPLAY
mkdir -p "$WORK/home"

# OpenSSL configuration for xrdp that turns off encrypt-then-mac (RFC 7366), so CBC records are
# MAC-then-encrypt as with Windows servers (Schannel does not negotiate encrypt_then_mac).
cat >"$WORK/no-etm.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -EncryptThenMac
EOF

# run_case NAME CLIENT_TIMEOUT STOP_CAPTURE_AFTER "CLIENT ARGS" XRDP_KEY=VALUE...
#   STOP_CAPTURE_AFTER: 0 = stop the capture after the client exited (normal); N = stop it N s
#   after the client started, while the session is still up (the client is stopped afterwards
#   by its own timeout).  XRDP_ENV (environment) is passed to xrdp; RSA_KEY_OUT=1 copies the
#   server's private key beside the capture as NAME.rsa.pem; NO_KEYS=1 ships no key log.
run_case() {
    local name="$1" tmo="$2" stop_after="$3" cargs="$4"; shift 4
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    log "case $name"
    rm -rf "$WORK/home/.config" "$OUT/$name.keys" "$OUT/$name.rsa.pem"
    write_xrdp_ini "$WORK/$name.ini" "$@"
    start_xrdp "$WORK/$name.ini"
    capture_start $CLI_NS eth0 "$OUT/$name.pcap" "tcp port 3389"
    local cap=$CAP_PID
    local keys="$OUT/$name.keys"
    [[ "${NO_KEYS:-0}" == 1 ]] && keys="$WORK/$name.keys"
    local cmd="ip netns exec $CLI_NS env $(client_env "$keys") timeout $tmo xfreerdp /v:$SRV_IP /u:labuser /cert:deny /log-level:INFO $cargs"
    if (( stop_after > 0 )); then
        record_client "$name" "$cmd" &
        local rpid=$!
        PIDS+=("$rpid")
        sleep "$stop_after"
        kill -INT "$cap" 2>/dev/null; wait "$cap" 2>/dev/null || true
        log "$name: capture stopped ${stop_after}s after the client started"
        wait "$rpid" 2>/dev/null || true
    else
        record_client "$name" "$cmd"
        capture_stop "$cap"
    fi
    stop_pid "$XRDP_PID"
    cp "$WORK/xrdp.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
    if [[ "${RSA_KEY_OUT:-0}" == 1 ]]; then cp "$CA_DIR/good.key" "$OUT/$name.rsa.pem"; fi
    true
}

C=$CA_DIR
TLS="security_layer=tls certificate=$C/good.crt key_file=$C/good.key"
CARGS="/sec:tls /size:320x240 /bpp:16 +compression"

# idle: login screen reached in about a second, then nothing for ~60 s until timeout(1) stops
# the client
run_case rdp-tls-idle-60s-xrdp 62 0 "$CARGS" $TLS
# capture stopped 3 s into the session (login screen up); the client runs on until timeout 8
run_case rdp-capture-stopped-mid-session-xrdp 8 3 "$CARGS" $TLS
# TLS 1.2 CBC suites with ECDHE (key log decrypts): MAC-then-encrypt (EtM off on the server)
# and OpenSSL's default encrypt-then-mac
XRDP_ENV="OPENSSL_CONF=$WORK/no-etm.cnf" \
run_case rdp-tls12-cbc-sha384-xrdp 4 0 "$CARGS" $TLS ssl_protocols=TLSv1.2 \
    tls_ciphers=ECDHE-RSA-AES256-SHA384
run_case rdp-tls12-cbc-etm-xrdp 4 0 "$CARGS" $TLS ssl_protocols=TLSv1.2 \
    tls_ciphers=ECDHE-RSA-AES128-SHA256
# TLS 1.0 (old-server style): both ends at OpenSSL security level 0; CBC with implicit IVs
XRDP_ENV="OPENSSL_CONF=$WORK/no-etm.cnf" \
run_case rdp-tls10-cbc-xrdp 4 0 "$CARGS /tls-seclevel:0" $TLS ssl_protocols=TLSv1 \
    "tls_ciphers=ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
# RSA key exchange (no forward secrecy): the server key NAME.rsa.pem decrypts the capture.
# GCM without a key log; CBC (AES128-SHA, MAC-then-encrypt) with both key log and RSA key
RSA_KEY_OUT=1 NO_KEYS=1 \
run_case rdp-tls12-rsa-kex-gcm-xrdp 4 0 "$CARGS" $TLS ssl_protocols=TLSv1.2 \
    tls_ciphers=AES128-GCM-SHA256
RSA_KEY_OUT=1 XRDP_ENV="OPENSSL_CONF=$WORK/no-etm.cnf" \
run_case rdp-tls12-rsa-kex-cbc-xrdp 4 0 "$CARGS" $TLS ssl_protocols=TLSv1.2 \
    tls_ciphers=AES128-SHA
versions >"$LOGS/xrdp_session.versions"
