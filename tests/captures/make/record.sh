#!/bin/bash
# Record the raw captures (real traffic inside our own namespaces rdpt-a /
# rdpt-b; nothing leaves the machine).  Output: $OUT (default /tmp/rdpt-cap/raw).
# Needs root, tcpdump, dumpcap, iptables, openssl, curl, python3.
# usage: record.sh [name...]   (default: all)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/rdpt-cap/raw}
WORK=${WORK:-/tmp/rdpt-cap/work}
BPFDIR=${BPFDIR:-/tmp/rdpt-bpffs}
PY=/usr/bin/python3
T="$PY $HERE/traffic.py"
A="ip netns exec rdpt-a"
B="ip netns exec rdpt-b"
mkdir -p "$OUT" "$WORK"
PIDS=()

# cap NS FILE tcpdump-args... : start tcpdump in NS, wait until it listens
cap() {
  local ns=$1 file=$2; shift 2
  ip netns exec $ns timeout 60 tcpdump -U --immediate-mode -w "$OUT/$file" "$@" 2>"$WORK/$file.log" &
  local pid=$!
  PIDS+=($pid)
  for _ in $(seq 50); do grep -q "listening on" "$WORK/$file.log" && break; sleep 0.1; done
}
# stop all captures started by cap (by PID)
stop() {
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -INT $p 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait $p 2>/dev/null; done
  PIDS=()
}
bg() { "$@" & BGP+=($!); }
waitbg() { for p in "${BGP[@]}"; do wait $p; done; BGP=(); }
BGP=()

lab_up() {
  sh "$HERE/netns.sh" down
  sh "$HERE/netns.sh" up
  sleep 3   # let IPv6 DAD/MLD settle so they stay out of the captures
}

rec_eth_lo() {   # lo in rdpt-a: HTTP over v4 and v6, UDP echo v4 and v6
  mkdir -p $WORK/www && printf 'hello from rdptriage test server\n' > $WORK/www/hello.txt
  $A timeout 20 $PY -m http.server 8000 --bind :: --directory $WORK/www >/dev/null 2>&1 &
  local srv=$!
  bg $A timeout 20 $T udp-echo :: 9000 2
  sleep 1
  cap rdpt-a eth-lo.pcap -i lo
  $A timeout 10 curl -s -o /dev/null http://127.0.0.1:8000/hello.txt
  $A timeout 10 curl -s -o /dev/null "http://[::1]:8000/hello.txt"
  $A timeout 10 $T udp-send 127.0.0.1 9000 40 --reply
  $A timeout 10 $T udp-send ::1 9000 60 --reply
  stop; waitbg; kill $srv; wait $srv 2>/dev/null
}

rec_eth_lo_nsec() {   # lo, nanosecond timestamps
  bg $A timeout 20 $T tcp-server 127.0.0.1 3389 1
  bg $A timeout 20 $T udp-echo 127.0.0.1 3391 1
  sleep 0.5
  cap rdpt-a eth-lo-nsec.pcap -i lo --time-stamp-precision=nano
  $A timeout 10 $T tcp-client 127.0.0.1 3389 --msg nano
  $A timeout 10 $T udp-send 127.0.0.1 3391 100 --reply
  stop; waitbg
}

vlan_traffic() {
  bg $B timeout 20 $T tcp-server :: 3389 2
  bg $B timeout 20 $T udp-echo 10.9.0.2 3391 1
  sleep 0.5
  cap rdpt-a $1 -i rdpt-va
  $A timeout 10 $T tcp-client 10.9.0.2 3389 --msg vlan-v4
  $A timeout 10 $T tcp-client fd09::2 3389 --msg vlan-v6
  $A timeout 10 $T udp-send 10.9.0.2 3391 80 --reply
  stop; waitbg
}

rec_vlan() {
  lab_up; sh "$HERE/netns.sh" vlan push100 pop1; sleep 1
  vlan_traffic eth-vlan.pcap
  sh "$HERE/netns.sh" novlan
  lab_up; sh "$HERE/netns.sh" vlan pushqinq pop2; sleep 1
  vlan_traffic eth-qinq.pcap
  sh "$HERE/netns.sh" novlan
  lab_up
}

sll_traffic() {
  bg $A timeout 20 $T tcp-server 127.0.0.1 8080 1
  bg $B timeout 20 $T udp-echo 10.9.0.2 3391 1
  bg $B timeout 20 $T tcp-server fd09::2 3389 1
  sleep 0.5
  cap rdpt-a "$@"
  $A timeout 10 $T tcp-client 127.0.0.1 8080 --msg sll-lo
  $A timeout 10 $T udp-send 10.9.0.2 3391 50 --reply
  $A timeout 10 $T tcp-client fd09::2 3389 --msg sll-v6
  stop; waitbg
}

rec_sll() {   # -i any in rdpt-a: loopback (ARPHRD 772) and veth (ARPHRD 1)
  sll_traffic sll-any.pcap -i any -y LINUX_SLL
  lab_up
  sll_traffic sll2-any.pcap -i any -y LINUX_SLL2
}

tun_session() {   # $1 = which captures: main | sll2
  $PY $HERE/tunrelay.py 25 > $WORK/tunrelay.out 2>&1 &
  local relay=$!
  for _ in $(seq 50); do grep -q ready $WORK/tunrelay.out && break; sleep 0.1; done
  for ns in a b; do
    n=1; [ $ns = b ] && n=2; p=2; [ $ns = b ] && p=1
    ip -n rdpt-$ns link set rdpt-tun addrgenmode none
    ip -n rdpt-$ns addr add 10.8.0.$n peer 10.8.0.$p dev rdpt-tun
    ip -n rdpt-$ns addr add fd08::$n/64 dev rdpt-tun nodad
    ip -n rdpt-$ns link set rdpt-tun up
  done
  sleep 3
  bg $B timeout 20 $T tcp-server :: 3389 2
  bg $B timeout 20 $T udp-echo :: 3391 2
  bg $A timeout 20 $T tcp-server 127.0.0.1 8000 1
  sleep 0.5
  if [ $1 = main ]; then
    cap rdpt-a raw-tun4.pcap -i rdpt-tun ip
    cap rdpt-a raw-tun6.pcap -i rdpt-tun ip6
    cap rdpt-a sll-tun.pcap -i any -y LINUX_SLL
    $A timeout 60 dumpcap -q -i lo -i rdpt-tun -w $OUT/pcapng-multi-if.pcapng 2>$WORK/dumpcap.log &
    PIDS+=($!)
    sleep 2
  else
    cap rdpt-a sll2-tun.pcap -i any -y LINUX_SLL2
  fi
  $A timeout 10 $T tcp-client 10.8.0.2 3389 --msg tun-v4
  $A timeout 10 $T udp-send 10.8.0.2 3391 30 --reply
  $A timeout 10 $T tcp-client fd08::2 3389 --msg tun-v6
  $A timeout 10 $T udp-send fd08::2 3391 30 --reply
  $A timeout 10 $T tcp-client 127.0.0.1 8000 --msg lo-v4
  stop; waitbg
  kill $relay 2>/dev/null; wait $relay
}

rec_tun() {   # user-space tunnel: RAW (101) on rdpt-tun, SLL/SLL2 ARPHRD_NONE, pcapng multi-if
  tun_session main
  lab_up
  tun_session sll2
}

rec_frag() {   # veth MTU 1500: fragmented UDP v4 and v6, IPv6 ext headers
  bg $B timeout 20 $T udp-echo :: 9000 3
  sleep 0.5
  cap rdpt-a ip-frag.pcap -i rdpt-va
  $A timeout 10 $T udp-send 10.9.0.2 9000 3000 --reply
  $A timeout 10 $T udp-send fd09::2 9000 3000 --reply
  $A timeout 10 $T udp-send fd09::2 9000 20 --reply --opts
  stop; waitbg
}

rec_icmp() {
  # port unreachable on loopback (v4 and v6)
  cap rdpt-a icmp-port-unreach.pcap -i lo
  $A timeout 10 $T udp-send 127.0.0.1 9999 20
  $A timeout 10 $T udp-send ::1 9999 20
  stop
  # admin prohibited from rdpt-b's firewall
  $B iptables -A INPUT -p tcp --dport 3389 -j REJECT --reject-with icmp-admin-prohibited
  $B ip6tables -A INPUT -p tcp --dport 3389 -j REJECT --reject-with icmp6-adm-prohibited
  cap rdpt-a icmp-admin-prohibited.pcap -i rdpt-va
  $A timeout 10 $T tcp-client 10.9.0.2 3389 --timeout 3
  $A timeout 10 $T tcp-client fd09::2 3389 --timeout 3
  stop
  $B iptables -F INPUT; $B ip6tables -F INPUT
}

rec_tcp_conns() {  # port reuse, refused, unanswered, v6
  $B iptables -A INPUT -p tcp --dport 3391 -j DROP
  bg $B timeout 20 $T tcp-server 10.9.0.2 3389 2 --server-close
  bg $B timeout 20 $T tcp-server fd09::2 8443 1
  sleep 0.5
  cap rdpt-a tcp-conns.pcap -i rdpt-va
  $A timeout 10 $T tcp-client 10.9.0.2 3389 --sport 40000 --msg first
  sleep 0.5
  $A timeout 10 $T tcp-client 10.9.0.2 3389 --sport 40000 --msg second-rst --rst
  $A timeout 10 $T tcp-client 10.9.0.2 3390 --sport 40001
  $A timeout 10 $T tcp-client 10.9.0.2 3391 --sport 40002 --timeout 1.5
  $A timeout 10 $T tcp-client fd09::2 8443 --sport 40003 --msg v6
  stop; waitbg
  $B iptables -F INPUT
}

rec_tls() {   # openssl s_server/s_client with a key log (for the DSB pcapng)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rdpt-test \
    -days 2 -keyout $WORK/tls.key -out $WORK/tls.crt 2>/dev/null
  rm -f $OUT/tls-keylog.txt
  $A timeout 15 openssl s_server -accept 127.0.0.1:4433 -cert $WORK/tls.crt -key $WORK/tls.key \
     -naccept 1 -rev >$WORK/s_server.out 2>&1 &
  local srv=$!
  sleep 1
  cap rdpt-a tls-lo.pcap -i lo
  (printf 'hello tls\n'; sleep 1) | $A timeout 10 openssl s_client -connect 127.0.0.1:4433 \
     -keylogfile $OUT/tls-keylog.txt -servername rdpt-test >$WORK/s_client.out 2>&1
  stop; wait $srv
}

rec_bulk() {   # 30 KB HTTP download over veth, offloads off, every 7th server segment dropped after capture
  for ns in a b; do ip netns exec rdpt-$ns ethtool -K rdpt-v$ns tso off gso off gro off >/dev/null 2>&1; done
  mkdir -p $WORK/www
  $PY -c "import sys; sys.stdout.write(''.join('line %05d of the rdptriage bulk test file\\n' % i for i in range(700)))" > $WORK/www/bulk.txt
  $B timeout 20 $PY -m http.server 8080 --bind 10.9.0.2 --directory $WORK/www >/dev/null 2>&1 &
  local srv=$!
  $A iptables -A INPUT -p tcp --sport 8080 -m statistic --mode nth --every 7 --packet 3 -j DROP
  sleep 1
  cap rdpt-a tcp-bulk-retrans.pcap -i rdpt-va
  $A timeout 15 curl -s -o $WORK/bulk.out http://10.9.0.2:8080/bulk.txt
  stop
  $A iptables -F INPUT
  kill $srv; wait $srv 2>/dev/null
  cmp $WORK/bulk.out $WORK/www/bulk.txt && echo "bulk download intact"
}

rec_vxlan() {   # kernel VXLAN (VNI 42, UDP 4789) between the namespaces; captured on the outer veth
  for ns in a b; do
    n=1; [ $ns = b ] && n=2; p=2; [ $ns = b ] && p=1
    ip -n rdpt-$ns link add rdpt-vx address 02:00:00:07:00:0$n type vxlan id 42 dstport 4789 \
       local 10.9.0.$n remote 10.9.0.$p
    ip -n rdpt-$ns addr add 10.7.0.$n/24 dev rdpt-vx
    ip -n rdpt-$ns link set rdpt-vx addrgenmode none
    ip -n rdpt-$ns link set rdpt-vx up
  done
  sleep 2
  bg $B timeout 20 $T tcp-server 10.7.0.2 3389 1
  bg $B timeout 20 $T udp-echo 10.7.0.2 3391 1
  sleep 0.5
  cap rdpt-a eth-vxlan.pcap -i rdpt-va
  $A timeout 10 $T tcp-client 10.7.0.2 3389 --msg vxlan
  $A timeout 10 $T udp-send 10.7.0.2 3391 40 --reply
  stop; waitbg
  ip -n rdpt-a link del rdpt-vx; ip -n rdpt-b link del rdpt-vx
}

names=${*:-"eth_lo eth_lo_nsec sll tun frag icmp tcp_conns tls bulk vxlan vlan"}
lab_up
for n in $names; do echo "== $n"; rec_$n; done
sh "$HERE/netns.sh" down
ls -la $OUT
