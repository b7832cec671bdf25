#!/bin/bash
# A capture with no RDP in it at all: one plain HTTP/1.0 GET on loopback (127.0.0.1:8080,
# python3 -m http.server), recorded with the capture filter a user might use for "everything
# on the box" in a small sample.  Ground truth for the diagnoser: no_rdp_traffic.
# Needs: python3, tcpdump.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3
name=http-only-no-rdp
mkdir -p "$WORK/www"; echo "hello from the rdptriage lab" >"$WORK/www/index.html"
bg httpd $PY -m http.server 8080 --bind 127.0.0.1 --directory "$WORK/www"
hpid=$LAST_PID
wait_for 10 bash -c "ss -ltn | grep -q '127.0.0.1:8080 '"
capture_start lo "$OUT/$name.pcap" "tcp port 8080"
cap=$CAP_PID
record_client "$name" "timeout 10 $PY -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8080/index.html', timeout=5).read().decode().strip())\""
capture_stop "$cap"
stop_pid "$hpid"
cp "$WORK/httpd.out" "$LOGS/$name.server.txt"
versions >"$LOGS/no_rdp_loopback.versions"
