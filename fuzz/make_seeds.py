#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target> from real captures (default: ../samples/*.pcap and
../tests/captures/*.pcap): the files themselves for capture_reader, their frames for
packet_decoder, and their frames re-framed for flow_table (see fuzz_targets/flow_table.rs).
Legacy pcap inputs only; frames are cut to MAX_FRAME bytes."""
import glob
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LINK_TYPES_DECODER = [0, 1, 12, 101, 108, 113, 228, 229, 276]
LINK_TYPES_FLOW = [1, 0, 12, 101, 108, 113, 228, 229, 276]
MAX_FILE = 8192
MAX_FRAME = 1600
MAX_FRAMES = 64


def records(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None, []
    nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link_type = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        if len(frame) < incl:
            break
        out.append((sec * 1_000_000 + (frac // 1000 if nanos else frac), frame))
        off += 16 + incl
    return link_type, out


def save(target, blob):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(blob).hexdigest()), "wb") as f:
        f.write(blob)


def main(paths):
    for path in paths:
        data = open(path, "rb").read()
        if len(data) <= MAX_FILE:
            save("capture_reader", data)
        link_type, recs = records(data)
        if link_type not in LINK_TYPES_DECODER:
            continue
        for _, frame in recs[:MAX_FRAMES]:
            save("packet_decoder", bytes([LINK_TYPES_DECODER.index(link_type)]) + frame[:MAX_FRAME])
        blob, last = bytearray([LINK_TYPES_FLOW.index(link_type)]), None
        for ts, frame in recs[:MAX_FRAMES]:
            step = 0 if last is None else min(max((ts - last) // 10_000, 0), 254)
            last = ts
            frame = frame[:MAX_FRAME]
            blob += bytes([step]) + struct.pack("<H", len(frame)) + frame
        save("flow_table", bytes(blob))


if __name__ == "__main__":
    root = os.path.dirname(HERE)
    main(sys.argv[1:] or sorted(glob.glob(os.path.join(root, "samples", "*.pcap"))
                                + glob.glob(os.path.join(root, "tests", "captures", "*.pcap"))))
