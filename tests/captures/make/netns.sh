#!/bin/sh
# Lab for the test captures: two network namespaces joined by a veth pair.
#   rdpt-a: rdpt-va 10.9.0.1/24 fd09::1/64 mac 02:00:00:09:00:01
#   rdpt-b: rdpt-vb 10.9.0.2/24 fd09::2/64 mac 02:00:00:09:00:02
# usage: netns.sh up | down | vlan PROGPUSH PROGPOP | novlan
# ("vlan" attaches the pinned eBPF programs from bpf_vlan.py on both veth
#  ends: push on egress, pop on ingress.)
BPFDIR=${BPFDIR:-/tmp/rdpt-bpffs}
A="ip netns exec rdpt-a"
B="ip netns exec rdpt-b"
case "$1" in
up)
  ip netns add rdpt-a
  ip netns add rdpt-b
  ip link add rdpt-va address 02:00:00:09:00:01 type veth peer name rdpt-vb address 02:00:00:09:00:02
  ip link set rdpt-va netns rdpt-a
  ip link set rdpt-vb netns rdpt-b
  for ns in a b; do
    n=1; [ $ns = b ] && n=2
    ip -n rdpt-$ns link set lo up
    ip -n rdpt-$ns addr add 10.9.0.$n/24 dev rdpt-v$ns
    ip -n rdpt-$ns addr add fd09::$n/64 dev rdpt-v$ns nodad
    ip -n rdpt-$ns link set rdpt-v$ns up
    # no IPv6 router solicitations / MLD noise
    ip netns exec rdpt-$ns sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.rdpt-v$ns.router_solicitations=0 net.ipv6.conf.all.mc_forwarding=0 2>/dev/null
  done
  ;;
down)
  ip netns del rdpt-a 2>/dev/null
  ip netns del rdpt-b 2>/dev/null
  ;;
vlan)
  for ns in a b; do
    ip netns exec rdpt-$ns tc qdisc add dev rdpt-v$ns clsact
    ip netns exec rdpt-$ns tc filter add dev rdpt-v$ns egress bpf da object-pinned $BPFDIR/$2
    ip netns exec rdpt-$ns tc filter add dev rdpt-v$ns ingress bpf da object-pinned $BPFDIR/$3
  done
  ;;
novlan)
  for ns in a b; do
    ip netns exec rdpt-$ns tc qdisc del dev rdpt-v$ns clsact 2>/dev/null
  done
  ;;
esac
