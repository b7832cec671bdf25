#!/bin/bash
# Records small TLS captures on loopback, one per cipher suite rdptriage decrypts, each with
# its key log beside it (tests/captures/tls-<name>.pcap + .keys), for tests/decrypt.rs.
# openssl s_server -rev answers every line reversed; the client sends two lines.

# Needs: openssl, tcpdump; run as root from the project root.
set -euo pipefail
OUT=tests/captures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rdpt-suites \
  -days 3650 -keyout $WORK/k.pem -out $WORK/c.pem 2>/dev/null
port=4440
record() {  # name, s_server version/cipher args, client input
  local name=$1 args=$2 input=$3
  port=$((port + 1))
  rm -f $OUT/tls-$name.keys
  timeout 15 openssl s_server -accept 127.0.0.1:$port -cert $WORK/c.pem -key $WORK/k.pem \
    -naccept 1 -rev $args >$WORK/s.out 2>&1 &
  local srv=$!
  sleep 0.5
  timeout 12 tcpdump -i lo -U -s 0 -w $OUT/tls-$name.pcap "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 1
  (printf "$input"; sleep 1) | timeout 10 openssl s_client -connect 127.0.0.1:$port \
    -keylogfile $OUT/tls-$name.keys -servername rdpt-suites $args >$WORK/c.out 2>&1 || true
  sleep 0.5
  kill $dump; wait $dump 2>/dev/null || true
  wait $srv 2>/dev/null || true
}
record tls12-aes128gcm "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256" 'first line\nsecond line\n'
record tls12-chacha20 "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305" 'first line\nsecond line\n'
record tls13-aes128gcm "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256" 'first line\nsecond line\n'
record tls13-chacha20 "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256" 'first line\nsecond line\n'

ls -l $OUT/tls-*.pcap $OUT/tls-*.keys
