#!/bin/bash
# Records small TLS captures on loopback with the CBC suites and RSA key exchange that
# Windows 7 / 2008 R2 / 2012 RDP servers negotiate, each with its key log beside it
# (tests/captures/tls-<name>.pcap + .keys), for tests/decrypt.rs. The server's RSA key is
# kept (tests/captures/tls-rsa-server.pem) so the RSA key-exchange sessions can also be
# opened with it alone; tls-rsa-other.pem is a second key that matches no certificate.
# openssl s_server -rev answers every line reversed; the client sends three lines.
#
# Needs: openssl (Debian's OpenSSL 3), tcpdump; run as root from the project root.
# OPENSSL_CONF points at a file of ours (Debian's default raises MinProtocol to TLS 1.2 and
# the security level to 2); it turns the extended master secret off where a name says noems.
set -euo pipefail
OUT=tests/captures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -f $OUT/tls-rsa-server.pem ] || openssl genrsa -out $OUT/tls-rsa-server.pem 2048 2>/dev/null
[ -f $OUT/tls-rsa-other.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
  -out $OUT/tls-rsa-other.pem 2>/dev/null
openssl req -x509 -new -key $OUT/tls-rsa-server.pem -subj /CN=rdpt-rsa -days 3650 \
  -out $WORK/c.pem 2>/dev/null
printf 'openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = sd\n[sd]\n' \
  >$WORK/ems.cnf
cp $WORK/ems.cnf $WORK/noems.cnf
echo 'Options = -ExtendedMasterSecret' >>$WORK/noems.cnf
long=$(printf 'x%.0s' $(seq 1 900))
port=4460
record() {  # name, s_server/s_client version and cipher args, config (ems|noems)
  local name=$1 args=$2 conf=$WORK/$3.cnf
  port=$((port + 1))
  rm -f $OUT/tls-$name.keys
  OPENSSL_CONF=$conf timeout 15 openssl s_server -accept 127.0.0.1:$port -cert $WORK/c.pem \
    -key $OUT/tls-rsa-server.pem -naccept 1 -rev $args >$WORK/s.out 2>&1 &
  local srv=$!
  sleep 0.5
  timeout 12 tcpdump -i lo -U -s 0 -w $OUT/tls-$name.pcap "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 1
  (printf "first line\nsecond line\n$long\n"; sleep 1) | OPENSSL_CONF=$conf timeout 10 \
    openssl s_client -connect 127.0.0.1:$port -keylogfile $OUT/tls-$name.keys \
    -servername rdpt-rsa $args >$WORK/c.out 2>&1 || true
  grep -E 'Protocol  :|Cipher    :|Extended master' $WORK/c.out | tr -s ' ' | paste -sd' ' \
    | sed "s/^/$name: /"
  sleep 0.5
  kill $dump; wait $dump 2>/dev/null || true
  wait $srv 2>/dev/null || true
}
# Two connections, the second resuming the first's session (s_client -sess_out, -sess_in).
record_resumed() {  # name, args
  local name=$1 args=$2 conf=$WORK/ems.cnf
  port=$((port + 1))
  rm -f $OUT/tls-$name.keys
  OPENSSL_CONF=$conf timeout 20 openssl s_server -accept 127.0.0.1:$port -cert $WORK/c.pem \
    -key $OUT/tls-rsa-server.pem -naccept 2 -rev $args >$WORK/s.out 2>&1 &
  local srv=$!
  sleep 0.5
  timeout 15 tcpdump -i lo -U -s 0 -w $OUT/tls-$name.pcap "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 1
  for sess in "-sess_out $WORK/sess" "-sess_in $WORK/sess"; do
    (printf "line\n"; sleep 1) | OPENSSL_CONF=$conf timeout 10 openssl s_client \
      -connect 127.0.0.1:$port -keylogfile $OUT/tls-$name.keys -servername rdpt-rsa $args \
      $sess >$WORK/c.out 2>&1 || true
    grep -E '^(New|Reused),' $WORK/c.out | sed "s/^/$name: /"
  done
  sleep 0.5
  kill $dump; wait $dump 2>/dev/null || true
  wait $srv 2>/dev/null || true
}
record_resumed tls12-aes128sha-rsa-resumed "-tls1_2 -cipher AES128-SHA -no_etm"
record tls12-aes128sha-rsa "-tls1_2 -cipher AES128-SHA" ems
record tls12-aes128sha-rsa-noetm-noems "-tls1_2 -cipher AES128-SHA -no_etm" noems
record tls12-aes256sha256-rsa-noetm "-tls1_2 -cipher AES256-SHA256 -no_etm" ems
record tls12-ecdhe-rsa-aes256sha384-noetm "-tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_etm" ems
record tls11-aes128sha-rsa-noetm "-tls1_1 -cipher AES128-SHA:@SECLEVEL=0 -no_etm" ems
record tls10-aes128sha-rsa "-tls1 -cipher AES128-SHA:@SECLEVEL=0" ems
record tls10-aes256sha-rsa-noetm-noems "-tls1 -cipher AES256-SHA:@SECLEVEL=0 -no_etm" noems

ls -l $OUT/tls-tls1[012]-*-rsa*.pcap

