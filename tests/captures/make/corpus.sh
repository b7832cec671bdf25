#!/bin/sh
# Regenerate tests/corpus_expected.json from /work/shared/corpus and cross-check it.
set -e
cd "$(dirname "$0")/../../.."
CORPUS=${CORPUS:-/work/shared/corpus}
files=$(cut -f1 "$CORPUS/_derived/index.tsv" | tail -n +2)
python3 tests/captures/make/expected.py --follow --base "$CORPUS" --notes tests/captures/make/corpus_notes.json \
  --generated-by "tests/captures/make/corpus.sh = python3 tests/captures/make/expected.py --follow --base /work/shared/corpus --notes tests/captures/make/corpus_notes.json <27 files of _derived/index.tsv> [per file: tshark -r F -n -T fields -E occurrence=a -e frame.number -e frame.len -e frame.time_relative -e frame.protocols -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport -e tcp.stream -e tcp.flags -e udp.srcport -e udp.dstport -e udp.stream -e icmp.type -e icmpv6.type -e ip.reassembled.length -e ipv6.reassembled.length; plus tshark -q -z follow,tcp,raw,N for stream_bytes/stream_sha256; no -d options]; cross-checked by tests/captures/make/crosscheck.py against tshark -q -z conv,tcp -z conv,udp and _derived/tshark-4.0.17/*.txt (0 mismatches)" \
  $files > tests/corpus_expected.json
python3 tests/captures/make/crosscheck.py --base "$CORPUS" --derived "$CORPUS/_derived/tshark-4.0.17" tests/corpus_expected.json
