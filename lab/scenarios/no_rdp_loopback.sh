#!/bin/bash
# A capture with no RDP in it at all, on loopback: one plain HTTP GET (python3 -m http.server on
# 127.0.0.1:8080) and one DNS query/response over UDP (a tiny Python responder on 127.0.0.1:53
# that answers NXDOMAIN).  Ground truth for the diagnoser: no_rdp_traffic.  It also gives the
# manifest a UDP conversation.
# Needs: python3, tcpdump.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3
name=http-only-no-rdp
mkdir -p "$WORK/www"; echo "hello from the rdptriage lab" >"$WORK/www/index.html"
cat >"$WORK/dns.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53)); s.settimeout(1.0)
end = time.time() + 20
while time.time() < end:
    try:
        q, peer = s.recvfrom(512)
    except socket.timeout:
        continue
    # same id and question, QR=1, RD copied, RA=1, RCODE=3 (NXDOMAIN), no answers
    flags = bytes([0x80 | (q[2] & 0x01), 0x83])
    s.sendto(q[:2] + flags + q[4:6] + b"\x00\x00\x00\x00\x00\x00" + q[12:], peer)
PY
bg httpd $PY -m http.server 8080 --bind 127.0.0.1 --directory "$WORK/www"
hpid=$LAST_PID
bg dns $PY "$WORK/dns.py"
dpid=$LAST_PID
wait_for 10 bash -c "ss -ltn | grep -q '127.0.0.1:8080 '"
wait_for 10 bash -c "ss -lun | grep -q '127.0.0.1:53 '"
capture_start lo "$OUT/$name.pcap" "tcp port 8080 or udp port 53"
cap=$CAP_PID
record_client "$name" "timeout 10 $PY -c \"
import socket, struct, urllib.request
q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b'\\x03rdp\\x07example\\x04test\\x00' + struct.pack('>HH', 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3); u.sendto(q, ('127.0.0.1', 53))
r = u.recv(512); print('dns rcode', r[3] & 0x0f)
print(urllib.request.urlopen('http://127.0.0.1:8080/index.html', timeout=5).read().decode().strip())
\""
capture_stop "$cap"
stop_pid "$hpid"; stop_pid "$dpid"
cp "$WORK/httpd.out" "$LOGS/$name.server.txt"
versions >"$LOGS/no_rdp_loopback.versions"
