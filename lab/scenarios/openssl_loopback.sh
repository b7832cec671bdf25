#!/bin/bash
# Non-RDP TLS samples on loopback (127.0.0.1:8443) with openssl s_server / s_client:
#   tls13-healthy-openssl         TLS 1.3 handshake + one HTTP/1.0 request/response, server closes
#   tls-version-mismatch-openssl  server -tls1_3 only, client -tls1_2 only -> alert protocol_version
#   tls12-cert-expired-openssl    server cert expired (validity ended in the past), client TLS 1.2
#                                 with -verify_return_error -> client alert certificate_expired
#   tls13-healthy-openssl-ipv6    as tls13-healthy-openssl, over [::1]:8443
# Needs: openssl, tcpdump, faketime.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ONLY="${1:-}"     # optional: run only the case with this name
PORT=8443
FILTER="tcp port $PORT"

cd "$WORK"
# --- a private CA and two server certificates ---------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
    -subj "/CN=rdpt lab CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n' >san.ext
openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile san.ext -out srv.crt 2>/dev/null
# expired: issued with a faked clock 40 days ago, valid 10 days -> expired 30 days ago
faketime -f "-40d" openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days 10 -extfile san.ext -out expired.crt 2>/dev/null
# the CA itself must be valid at the time the expired cert was issued for chain building:
# re-issue a CA with a long validity that starts 60 days ago
faketime -f "-60d" openssl req -x509 -key ca.key -out ca.crt -days 3650 -subj "/CN=rdpt lab CA" 2>/dev/null
openssl x509 -in expired.crt -noout -dates >&2

run_case() {   # NAME SERVER_ARGS CLIENT_ARGS SERVER_CERT [ADDR]
    local name="$1" sargs="$2" cargs="$3" cert="$4" addr="${5:-127.0.0.1}"
    [[ -n "$ONLY" && "$ONLY" != "$name" ]] && return 0
    rm -f "$OUT/$name.keys"
    local hostport="$addr:$PORT"
    [[ "$addr" == *:* ]] && hostport="[$addr]:$PORT"
    bg "s_server-$name" timeout 20 openssl s_server -accept "$hostport" -cert "$cert" \
        -key srv.key -naccept 1 $sargs
    local spid=$LAST_PID
    wait_for 10 bash -c "ss -ltn | grep -qF '$hostport '"
    capture_start lo "$OUT/$name.pcap" "$FILTER"
    local cap=$CAP_PID
    record_client "$name" "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect $hostport -servername localhost -CAfile $WORK/ca.crt -verify_return_error -keylogfile $OUT/$name.keys -ign_eof $cargs"
    sleep 0.5
    capture_stop "$cap"
    stop_pid "$spid"
    cp "$WORK/s_server-$name.out" "$LOGS/$name.server.txt"
    prune_keys "$OUT/$name.keys"
}

run_case tls13-healthy-openssl "-tls1_3 -www" "-tls1_3" srv.crt
run_case tls-version-mismatch-openssl "-tls1_3 -www" "-tls1_2" srv.crt
run_case tls12-cert-expired-openssl "-tls1_2 -www" "-tls1_2" expired.crt
run_case tls13-healthy-openssl-ipv6 "-tls1_3 -www" "-tls1_3" srv.crt ::1
versions >"$LOGS/openssl_loopback.versions"
