#!/usr/bin/env python3
"""Rewrite recorded captures into the file-format / link-type variants the
reader must handle (things tcpdump/editcap cannot produce here).

pcap commands
  relink IN OUT LINKTYPE            same file, header link-type field replaced
  swap IN OUT                       rewrite every header field big-endian
  eth2null IN OUT --dlt {0,108} --file-endian {le,be} --af-endian {le,be} --af6 N
                                    replace the 14-byte Ethernet header by the
                                    4-byte address family (AF_INET=2, AF_INET6=N)
pcapng commands
  sll-hatype IN OUT [--from 65534 --v4 768 --v6 776]
                                    SLL: relabel TUN (ARPHRD_NONE) packets with the
                                    ARPHRD of ipip (768) / sit (776) tunnels
  ng-tsresol IN OUT CODE            set if_tsresol=CODE (e.g. 0x94 = 2^-20) on every
                                    IDB and rescale EPB/OPB/ISB timestamps
  ng-spb-opb IN OUT --spb i,j --opb k   turn packets i,j (1-based) into Simple
                                    Packet Blocks and packet k into an Obsolete
                                    Packet Block (type 2); single-interface files only
  ng-be IN OUT                      rewrite the whole file big-endian
"""
import argparse
import struct
import sys

# ---------------------------------------------------------------- pcap
MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", False), b"\xa1\xb2\xc3\xd4": (">", False),
    b"\x4d\x3c\xb2\xa1": ("<", True), b"\xa1\xb2\x3c\x4d": (">", True),
}


def read_pcap(path):
    data = open(path, "rb").read()
    e, nsec = MAGICS[data[:4]]
    vmaj, vmin, tz, sigfigs, snap, link = struct.unpack(e + "HHiIII", data[4:24])
    recs = []
    off = 24
    while off + 16 <= len(data):
        s, f, cap, orig = struct.unpack(e + "IIII", data[off:off + 16])
        recs.append([s, f, cap, orig, data[off + 16:off + 16 + cap]])
        off += 16 + cap
    return dict(e=e, nsec=nsec, snap=snap, link=link, tz=tz, sigfigs=sigfigs, recs=recs)


def write_pcap(path, p):
    e = p["e"]
    magic = 0xA1B23C4D if p["nsec"] else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, p["tz"], p["sigfigs"], p["snap"], p["link"])]
    for s, f, cap, orig, d in p["recs"]:
        out.append(struct.pack(e + "IIII", s, f, len(d), orig) + d)
    open(path, "wb").write(b"".join(out))


def cmd_relink(a):
    p = read_pcap(a.inp)
    p["link"] = a.linktype
    write_pcap(a.out, p)


def cmd_swap(a):
    p = read_pcap(a.inp)
    p["e"] = ">"
    write_pcap(a.out, p)


def cmd_eth2null(a):
    p = read_pcap(a.inp)
    assert p["link"] == 1
    p["link"] = a.dlt
    p["e"] = "<" if a.file_endian == "le" else ">"
    afe = "<" if a.af_endian == "le" else ">"
    if a.dlt == 108:
        afe = ">"   # LOOP: always network byte order
    recs = []
    for s, f, cap, orig, d in p["recs"]:
        et = struct.unpack(">H", d[12:14])[0]
        if et == 0x0800:
            af = 2
        elif et == 0x86DD:
            af = a.af6
        else:
            continue   # NULL/LOOP cannot carry ARP etc.
        nd = struct.pack(afe + "I", af) + d[14:]
        recs.append([s, f, cap - 10, orig - 10, nd])
    p["recs"] = recs
    write_pcap(a.out, p)


def cmd_sll_hatype(a):
    """SLL (v1): give packets with ARPHRD FROM the ARPHRD of a kernel IP tunnel:
    IPv4 payload -> --v4 (768 ARPHRD_TUNNEL, ipip), IPv6 -> --v6 (776 ARPHRD_SIT)."""
    p = read_pcap(a.inp)
    assert p["link"] == 113
    for r in p["recs"]:
        d = r[4]
        hatype, proto = struct.unpack(">H", d[2:4])[0], struct.unpack(">H", d[14:16])[0]
        if hatype == a.frm:
            new = a.v4 if proto == 0x0800 else a.v6 if proto == 0x86DD else hatype
            r[4] = d[:2] + struct.pack(">H", new) + d[4:]
    write_pcap(a.out, p)


# ---------------------------------------------------------------- pcapng
def read_blocks(path):
    data = open(path, "rb").read()
    blocks = []
    off = 0
    e = "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack(e + "II", data[off:off + 8])
        blocks.append([btype, data[off + 8:off + blen - 4], e])
        off += blen
    return blocks


def parse_opts(body, e):
    opts = []
    off = 0
    while off + 4 <= len(body):
        code, ln = struct.unpack(e + "HH", body[off:off + 4])
        val = body[off + 4:off + 4 + ln]
        off += 4 + ((ln + 3) & ~3)
        if code == 0:
            break
        opts.append([code, val])
    return opts


def build_opts(opts, e):
    if not opts:
        return b""
    out = b""
    for code, val in opts:
        out += struct.pack(e + "HH", code, len(val)) + val + b"\0" * (-len(val) % 4)
    return out + struct.pack(e + "HH", 0, 0)


def block_bytes(btype, body, e):
    body += b"\0" * (-len(body) % 4)
    ln = len(body) + 12
    return struct.pack(e + "II", btype, ln) + body + struct.pack(e + "I", ln)


def pad(n):
    return (n + 3) & ~3


def split_epb(body, e):
    iface, th, tl, cap, orig = struct.unpack(e + "IIIII", body[:20])
    data = body[20:20 + cap]
    opts = parse_opts(body[20 + pad(cap):], e)
    return iface, (th << 32) | tl, cap, orig, data, opts


def epb_body(iface, ts, orig, data, opts, e):
    return (struct.pack(e + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), orig)
            + data + b"\0" * (-len(data) % 4) + build_opts(opts, e))


def idb_tsresol(body, e):
    for code, val in parse_opts(body[8:], e):
        if code == 9:
            return val[0]
    return 6


def res_units(code):
    return (2 ** (code & 0x7F)) if code & 0x80 else (10 ** code)


def write_blocks(path, blocks, e):
    open(path, "wb").write(b"".join(block_bytes(t, b, e) for t, b in blocks))


def cmd_ng_tsresol(a):
    blocks = read_blocks(a.inp)
    e = blocks[0][2]
    old = []
    out = []
    new_units = res_units(a.code)
    for t, body, _ in blocks:
        if t == 1:
            old.append(res_units(idb_tsresol(body, e)))
            opts = [o for o in parse_opts(body[8:], e) if o[0] != 9]
            opts.insert(0, [9, bytes([a.code])])
            body = body[:8] + build_opts(opts, e)
        elif t == 6:
            iface, ts, cap, orig, data, opts = split_epb(body, e)
            ts = (ts * new_units) // old[iface]
            body = epb_body(iface, ts, orig, data, opts, e)
        elif t == 5:
            print("note: dropping ISB (timestamps not rescaled)", file=sys.stderr)
            continue
        out.append((t, body))
    write_blocks(a.out, out, e)


def cmd_ng_spb_opb(a):
    blocks = read_blocks(a.inp)
    e = blocks[0][2]
    spb = {int(x) for x in a.spb.split(",") if x}
    opb = {int(x) for x in a.opb.split(",") if x}
    n = 0
    out = []
    assert sum(1 for b in blocks if b[0] == 1) == 1, "SPB needs a single interface"
    for t, body, _ in blocks:
        if t == 6:
            n += 1
            iface, ts, cap, orig, data, opts = split_epb(body, e)
            if n in spb:
                t, body = 3, struct.pack(e + "I", orig) + data
            elif n in opb:
                t = 2
                body = (struct.pack(e + "HHIIII", iface, 0, ts >> 32, ts & 0xFFFFFFFF, len(data), orig)
                        + data + b"\0" * (-len(data) % 4) + build_opts(opts, e))
        out.append((t, body))
    write_blocks(a.out, out, e)


# option value layouts that need byte swapping: (block type, option code) -> struct fmt
NUM_OPTS = {
    (1, 8): "Q", (1, 10): "I", (1, 14): "q", (1, 16): "Q", (1, 17): "Q",
    (6, 2): "I", (6, 4): "Q", (6, 5): "Q", (6, 6): "I",
    (2, 2): "I", (3, 0): None,
    (5, 2): "II", (5, 3): "II", (5, 4): "Q", (5, 5): "Q", (5, 6): "Q", (5, 7): "Q", (5, 8): "Q",
}


def swap_opts(btype, opts, ie, oe):
    res = []
    for code, val in opts:
        fmt = NUM_OPTS.get((btype, code))
        if fmt and len(val) == struct.calcsize(fmt):
            val = struct.pack(oe + fmt, *struct.unpack(ie + fmt, val))
        res.append([code, val])
    return res


def cmd_ng_be(a):
    blocks = read_blocks(a.inp)
    ie = blocks[0][2]
    oe = ">"
    out = []
    for t, body, _ in blocks:
        if t == 0x0A0D0D0A:
            bom, vmaj, vmin, slen = struct.unpack(ie + "IHHq", body[:16])
            body = struct.pack(oe + "IHHq", bom, vmaj, vmin, slen) + \
                build_opts(swap_opts(t, parse_opts(body[16:], ie), ie, oe), oe)
        elif t == 1:
            link, res, snap = struct.unpack(ie + "HHI", body[:8])
            body = struct.pack(oe + "HHI", link, res, snap) + \
                build_opts(swap_opts(t, parse_opts(body[8:], ie), ie, oe), oe)
        elif t == 6:
            iface, ts, cap, orig, data, opts = split_epb(body, ie)
            body = epb_body(iface, ts, orig, data, swap_opts(t, opts, ie, oe), oe)
        elif t == 3:
            (orig,) = struct.unpack(ie + "I", body[:4])
            body = struct.pack(oe + "I", orig) + body[4:]
        elif t == 5:
            iface, th, tl = struct.unpack(ie + "III", body[:12])
            body = struct.pack(oe + "III", iface, th, tl) + \
                build_opts(swap_opts(t, parse_opts(body[12:], ie), ie, oe), oe)
        elif t == 10:  # DSB
            stype, slen = struct.unpack(ie + "II", body[:8])
            body = struct.pack(oe + "II", stype, slen) + body[8:8 + pad(slen)] + \
                build_opts(swap_opts(t, parse_opts(body[8 + pad(slen):], ie), ie, oe), oe)
        else:
            print("note: dropping block type 0x%x" % t, file=sys.stderr)
            continue
        out.append((t, body))
    write_blocks(a.out, out, oe)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("relink"); p.add_argument("inp"); p.add_argument("out"); p.add_argument("linktype", type=int)
    p.set_defaults(f=cmd_relink)
    p = sub.add_parser("swap"); p.add_argument("inp"); p.add_argument("out"); p.set_defaults(f=cmd_swap)
    p = sub.add_parser("eth2null"); p.add_argument("inp"); p.add_argument("out")
    p.add_argument("--dlt", type=int, default=0); p.add_argument("--file-endian", default="le")
    p.add_argument("--af-endian", default="le"); p.add_argument("--af6", type=int, default=30)
    p.set_defaults(f=cmd_eth2null)
    p = sub.add_parser("sll-hatype"); p.add_argument("inp"); p.add_argument("out")
    p.add_argument("--from", dest="frm", type=int, default=65534); p.add_argument("--v4", type=int, default=768)
    p.add_argument("--v6", type=int, default=776); p.set_defaults(f=cmd_sll_hatype)
    p = sub.add_parser("ng-tsresol"); p.add_argument("inp"); p.add_argument("out")
    p.add_argument("code", type=lambda s: int(s, 0)); p.set_defaults(f=cmd_ng_tsresol)
    p = sub.add_parser("ng-spb-opb"); p.add_argument("inp"); p.add_argument("out")
    p.add_argument("--spb", default=""); p.add_argument("--opb", default=""); p.set_defaults(f=cmd_ng_spb_opb)
    p = sub.add_parser("ng-be"); p.add_argument("inp"); p.add_argument("out"); p.set_defaults(f=cmd_ng_be)
    a = ap.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
