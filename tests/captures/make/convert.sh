#!/bin/sh
# Derive the format / link-type variants from the recorded captures in
# tests/captures (deterministic; rerun after record.sh + install).
set -e
cd "$(dirname "$0")/.."
M=make
P="python3 $M/pcaptool.py"
# --- legacy pcap: byte order and timestamp precision
$P swap eth-lo.pcap pcap-be-usec.pcap
$P swap eth-lo-nsec.pcap pcap-be-nsec.pcap
# --- raw IP link types (from the TUN captures, LINKTYPE_RAW 101)
$P relink raw-tun4.pcap raw-dlt12.pcap 12
$P relink raw-tun4.pcap raw-dlt14.pcap 14
$P relink raw-tun4.pcap raw-ipv4-228.pcap 228
$P relink raw-tun6.pcap raw-ipv6-229.pcap 229
# --- BSD loopback encapsulations
$P eth2null eth-lo.pcap null-le.pcap --dlt 0 --file-endian le --af-endian le --af6 30
$P eth2null eth-lo.pcap null-be.pcap --dlt 0 --file-endian be --af-endian be --af6 28
$P eth2null eth-lo.pcap null-le-file-be-af.pcap --dlt 0 --file-endian le --af-endian be --af6 24
$P eth2null eth-lo.pcap loop-openbsd.pcap --dlt 108 --file-endian le --af6 24
# --- SLL with the ARPHRD of kernel IP tunnels (ipip/sit cannot be created on this kernel)
$P sll-hatype sll-tun.pcap sll-arphrd-tunnel.pcap --from 65534 --v4 768 --v6 776
# --- pcapng
editcap -F pcapng eth-lo.pcap $M/.tmp-eth-lo.pcapng
editcap -F pcapng eth-lo-nsec.pcap pcapng-nsec.pcapng
$P ng-tsresol $M/.tmp-eth-lo.pcapng pcapng-tsresol-pow2.pcapng 0x94
$P ng-spb-opb $M/.tmp-eth-lo.pcapng pcapng-spb-opb.pcapng --spb 2,3,26,27 --opb 5
editcap -a "1:first SYN of the IPv4 HTTP request" -a "13:IPv6 connection starts here" -a "26:first UDP datagram" \
        $M/.tmp-eth-lo.pcapng pcapng-comments.pcapng
editcap --inject-secrets tls,$M/tls-keylog.txt tls-lo.pcap pcapng-dsb.pcapng
mergecap -F pcapng -w pcapng-merged-sll-sll2-raw.pcapng sll-any.pcap sll2-any.pcap raw-tun6.pcap
$P ng-be pcapng-multi-if.pcapng pcapng-be-multi-if.pcapng
$P ng-be pcapng-comments.pcapng pcapng-be-comments.pcapng
rm -f $M/.tmp-eth-lo.pcapng
# --- gzip
gzip -9 -n -c eth-lo.pcap > eth-lo.pcap.gz
gzip -9 -n -c pcapng-dsb.pcapng > pcapng-dsb.pcapng.gz
