#!/bin/sh
# Regenerate tests/captures/EXPECTED.json and cross-check it against tshark's conv tables.
set -e
cd "$(dirname "$0")/.."
files=$(ls *.pcap *.pcapng *.gz | sort)
python3 make/expected.py --follow --base . --notes make/notes.json \
  --generated-by "tests/captures/make/captures.sh = python3 make/expected.py --follow --base tests/captures --notes make/notes.json <all capture files> [per file: tshark -r F -n -T fields -E occurrence=a -e frame.number -e frame.len -e frame.time_relative -e frame.protocols -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport -e tcp.stream -e tcp.flags -e udp.srcport -e udp.dstport -e udp.stream -e icmp.type -e icmpv6.type -e ip.reassembled.length -e ipv6.reassembled.length; plus tshark -q -z follow,tcp,raw,N for stream_bytes/stream_sha256]; cross-checked by make/crosscheck.py against tshark -q -z conv,tcp -z conv,udp" \
  $files > EXPECTED.json
python3 make/crosscheck.py --base . EXPECTED.json
