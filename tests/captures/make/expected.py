#!/usr/bin/env python3
"""Compute expected per-capture numbers (packets, link types, TCP/UDP
conversations) from tshark output, for rdptriage's reader tests.

Usage:
  expected.py --base DIR [--notes notes.json] [--generated-by TEXT] FILE... > out.json

FILE paths are relative to --base and are written as given.

Every number comes from `tshark -r FILE -T fields -E occurrence=a ...`
(see FIELDS); only the file header / interface link types and the file
format are read directly from the file (tshark only reports wiretap
encapsulation names, not LINKTYPE numbers).

Rules (applied per tshark tcp.stream / udp.stream):
  * a frame counts once for every TCP/UDP layer it carries, except layers
    quoted inside an ICMP/ICMPv6 error (tshark gives those a stream number
    too, but its conv tables do not count them; they are not conversations);
    tunnelled frames (VXLAN, GRE, IP-in-IP, ...) therefore count both in the
    outer and the inner conversation, exactly like `tshark -z conv,*`.
  * bytes = sum of frame.len.
  * client: (1) sender of the first SYN without ACK; (2) receiver of the
    first SYN+ACK; (3) if exactly one side's port is well-known (<1024, or
    3389/3391/8080/8443) that side is the server; (4) sender of the first
    packet.  UDP uses (3) and (4).
  * end (TCP): first RST's sender -> rst_client/rst_server; else first FIN's
    sender -> fin_client/fin_server; else syn_unanswered if the server sent
    nothing and the client sent only SYNs; else open.  UDP: none.
"""
import argparse
import collections
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys

FIELDS = [
    "frame.number", "frame.len", "frame.time_relative", "frame.time_epoch", "frame.protocols",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags",
    "udp.srcport", "udp.dstport", "udp.stream",
    "icmp.type", "icmpv6.type",
    "ip.reassembled.length", "ipv6.reassembled.length",
]
WELL_KNOWN_EXTRA = {3389, 3391, 8080, 8443}
ICMP4_ERRORS = {3, 4, 5, 11, 12}
ICMP6_ERRORS = {1, 2, 3, 4}


def tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip()


def open_maybe_gz(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb"), True
    return open(path, "rb"), False


def file_format(path):
    """Return (format, gzip, link_types) read from the file itself."""
    f, gz = open_maybe_gz(path)
    with f:
        data = f.read()
    m = data[:4]
    pcap = {
        b"\xd4\xc3\xb2\xa1": ("pcap-le-usec", "<"),
        b"\xa1\xb2\xc3\xd4": ("pcap-be-usec", ">"),
        b"\x4d\x3c\xb2\xa1": ("pcap-le-nsec", "<"),
        b"\xa1\xb2\x3c\x4d": ("pcap-be-nsec", ">"),
    }
    if m in pcap:
        name, e = pcap[m]
        linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
        return name, gz, [linktype]
    if m == b"\x0a\x0d\x0d\x0a":
        links = []
        off = 0
        e = "<"
        fmt = "pcapng"
        while off + 12 <= len(data):
            btype_raw = data[off:off + 4]
            if btype_raw == b"\x0a\x0d\x0d\x0a":
                bom = data[off + 8:off + 12]
                e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
                if e == ">":
                    fmt = "pcapng-be"
            btype, blen = struct.unpack(e + "II", data[off:off + 8])
            if btype == 1:  # IDB
                links.append(struct.unpack(e + "H", data[off + 8:off + 10])[0])
            if blen < 12:
                break
            off += blen
        return fmt, gz, links
    return "unknown", gz, []


def run_tshark(path):
    cmd = ["tshark", "-r", path, "-n", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,", "-E", "separator=/t"]
    for fld in FIELDS:
        cmd += ["-e", fld]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        rows.append({k: (v.split(",") if v != "" else []) for k, v in zip(FIELDS, cols)})
    return rows


def fmt_ep(ip, port):
    return ("[%s]:%s" % (ip, port)) if ":" in ip else ("%s:%s" % (ip, port))


def is_well_known(port):
    return port < 1024 or port in WELL_KNOWN_EXTRA


def analyse(path):
    rows = run_tshark(path)
    streams = collections.OrderedDict()  # (proto, stream) -> list of pkt dicts
    reasm4 = reasm6 = 0
    icmp_error_frames = []
    for r in rows:
        fno = int(r["frame.number"][0])
        flen = int(r["frame.len"][0])
        trel = float(r["frame.time_relative"][0]) if r["frame.time_relative"] else None  # SPB: no timestamp
        reasm4 += len(r["ip.reassembled.length"])
        reasm6 += len(r["ipv6.reassembled.length"])
        protos = r["frame.protocols"][0].split(":") if r["frame.protocols"] else []
        idx = collections.Counter()
        net = None  # ("ip"|"ipv6", occurrence index)
        in_error = False
        for p in protos:
            if p in ("ip", "ipv6"):
                net = (p, idx[p])
                idx[p] += 1
            elif p in ("icmp", "icmpv6"):
                k = idx[p]
                idx[p] += 1
                types = r["icmp.type" if p == "icmp" else "icmpv6.type"]
                if k < len(types):
                    t = int(types[k])
                    if t in (ICMP4_ERRORS if p == "icmp" else ICMP6_ERRORS):
                        if not in_error:
                            icmp_error_frames.append(fno)
                        in_error = True
            elif p in ("tcp", "udp"):
                k = idx[p]
                idx[p] += 1
                if in_error or net is None:
                    continue
                sl = r[p + ".stream"]
                if k >= len(sl):
                    continue
                np, ni = net
                src = r[np + ".src"][ni]
                dst = r[np + ".dst"][ni]
                sport = int(r[p + ".srcport"][k])
                dport = int(r[p + ".dstport"][k])
                flags = int(r["tcp.flags"][k], 16) if p == "tcp" else 0
                streams.setdefault((p, int(sl[k])), []).append(dict(
                    frame=fno, len=flen, t=trel, src=(src, sport), dst=(dst, dport), flags=flags))
    conns = []
    for (proto, sid), pkts in sorted(streams.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        eps = []
        for pk in pkts:
            for ep in (pk["src"], pk["dst"]):
                if ep not in eps:
                    eps.append(ep)
        client = None
        rule = None
        if proto == "tcp":
            for pk in pkts:
                if pk["flags"] & 0x02 and not pk["flags"] & 0x10:
                    client, rule = pk["src"], 1
                    break
            if client is None:
                for pk in pkts:
                    if pk["flags"] & 0x12 == 0x12:
                        client, rule = pk["dst"], 2
                        break
        if client is None and len(eps) == 2:
            wk = [is_well_known(ep[1]) for ep in eps]
            if wk[0] != wk[1]:
                client, rule = (eps[1] if wk[0] else eps[0]), 3
        if client is None:
            client, rule = pkts[0]["src"], 4
        others = [ep for ep in eps if ep != client]
        server = others[0] if others else client
        c2s = [pk for pk in pkts if pk["src"] == client and pk["dst"] == server]
        s2c = [pk for pk in pkts if pk["src"] == server and pk["dst"] == client]
        if proto == "tcp":
            end = None
            for bit, name in ((0x04, "rst"), (0x01, "fin")):
                for pk in pkts:
                    if pk["flags"] & bit:
                        end = name + ("_client" if pk["src"] == client else "_server")
                        break
                if end:
                    break
            if end is None:
                if not s2c and all(pk["flags"] & 0x02 for pk in c2s):
                    end = "syn_unanswered"
                else:
                    end = "open"
        else:
            end = "none"
        conns.append(collections.OrderedDict([
            ("transport", proto), ("stream", sid),
            ("client", fmt_ep(*client)), ("server", fmt_ep(*server)),
            ("packets_client_to_server", len(c2s)), ("packets_server_to_client", len(s2c)),
            ("bytes_client_to_server", sum(p["len"] for p in c2s)),
            ("bytes_server_to_client", sum(p["len"] for p in s2c)),
            ("first_frame", pkts[0]["frame"]), ("last_frame", pkts[-1]["frame"]),
            ("end", end),
            ("client_rule", rule),
            ("first_time_relative", None if pkts[0]["t"] is None else round(pkts[0]["t"], 9)),
        ]))
    times = [r["frame.time_epoch"][0] for r in rows if r["frame.time_epoch"]]
    return rows, conns, reasm4, reasm6, icmp_error_frames, times


def follow_tcp(path, streams, batch=150):
    """Reassembled TCP payload per direction, from tshark -z follow,tcp,raw,N
    (tshark's own reassembly: retransmitted/overlapping bytes once, in order).
    Returns {stream: {node_addr: bytes}}."""
    res = {}
    streams = list(streams)
    for i in range(0, len(streams), batch):
        cmd = ["tshark", "-r", path, "-n", "-q"]
        for sid in streams[i:i + batch]:
            cmd += ["-z", "follow,tcp,raw,%d" % sid]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        cur = None
        for line in out.splitlines():
            if line.startswith("Filter: tcp.stream eq "):
                cur = int(line.split()[-1])
                res[cur] = {"nodes": [], "data": [bytearray(), bytearray()]}
            elif line.startswith("Node ") and cur is not None:
                res[cur]["nodes"].append(line.split(": ", 1)[1].strip())
            elif cur is not None and line and not line.startswith("=") and not line.startswith("Follow:"):
                node = 1 if line.startswith("\t") else 0
                res[cur]["data"][node] += bytes.fromhex(line.strip())
    return res


def add_follow(path, conns):
    tcp = [c for c in conns if c["transport"] == "tcp"]
    fol = follow_tcp(path, [c["stream"] for c in tcp])
    for c in tcp:
        f = fol.get(c["stream"])
        by = {}
        if f:
            for node, data in zip(f["nodes"], f["data"]):
                by[node] = bytes(data)
        cs = by.get(c["client"], b"")
        sc = by.get(c["server"], b"")
        c["stream_bytes_client_to_server"] = len(cs)
        c["stream_bytes_server_to_client"] = len(sc)
        c["stream_sha256_client_to_server"] = hashlib.sha256(cs).hexdigest() if cs else None
        c["stream_sha256_server_to_client"] = hashlib.sha256(sc).hexdigest() if sc else None
        if f and set(f["nodes"]) - {c["client"], c["server"]} and (len(cs) + len(sc)):
            print("warning: follow nodes %s vs %s/%s" % (f["nodes"], c["client"], c["server"]), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--notes")
    ap.add_argument("--generated-by")
    ap.add_argument("--follow", action="store_true",
                    help="add reassembled TCP payload length + sha256 per direction (tshark follow,tcp,raw)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    notes = json.load(open(a.notes)) if a.notes else {}
    out = collections.OrderedDict()
    out["generated_by"] = (a.generated_by or "tests/captures/make/expected.py") + \
        " using " + tshark_version()
    caps = []
    for rel in a.files:
        path = os.path.join(a.base, rel)
        fmt, gz, links = file_format(path)
        rows, conns, r4, r6, icmperr, times = analyse(path)
        if a.follow:
            add_follow(path, conns)
        c = collections.OrderedDict()
        c["file"] = rel
        c["format"] = fmt
        c["gzip"] = gz
        c["link_types"] = links
        c["packets"] = len(rows)
        c["ipv4_fragments_reassembled"] = r4
        c["ipv6_fragments_reassembled"] = r6
        c["icmp_error_frames"] = icmperr
        # tshark frame.time_epoch of the first and last frame that has a timestamp
        c["first_time_epoch"] = times[0] if times else None
        c["last_time_epoch"] = times[-1] if times else None
        c["connections"] = conns
        if rel in notes:
            c["notes"] = notes[rel]
        caps.append(c)
        print("%s: %d packets, %d connections" % (rel, len(rows), len(conns)), file=sys.stderr)
    out["captures"] = caps
    sys.stdout.write(dump(out))


def dump(out):
    """JSON with one line per connection (keeps big scans readable)."""
    lines = ["{", ' "generated_by": %s,' % json.dumps(out["generated_by"]), ' "captures": [']
    for i, c in enumerate(out["captures"]):
        lines.append("  {")
        keys = [k for k in c if k != "connections"]
        for k in keys:
            lines.append("   %s: %s," % (json.dumps(k), json.dumps(c[k])))
        conns = c["connections"]
        lines.append('   "connections": [' + ("" if conns else "]"))
        for j, cn in enumerate(conns):
            lines.append("    " + json.dumps(cn) + ("," if j + 1 < len(conns) else ""))
        if conns:
            lines.append("   ]")
        lines.append("  }" + ("," if i + 1 < len(out["captures"]) else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
