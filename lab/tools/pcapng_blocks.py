#!/usr/bin/env python3
"""List the blocks of a pcapng file and compare the capture's end with its last packet.

Usage: pcapng_blocks.py FILE.pcapng

Prints one line per block (SHB, IDB, EPB, ISB, ...) with the options this lab cares about
(shb_userappl, if_name, if_filter, if_tsresol; for an Interface Statistics Block isb_starttime,
isb_endtime, isb_ifrecv, isb_ifdrop, isb_osdrop, isb_usrdeliv), then a summary: the time of
the last Enhanced Packet Block, each ISB's isb_endtime and the difference between the two.
tshark and capinfos (4.0) do not show ISB values, hence this reader.  Exits 1 if the file has
no ISB with isb_endtime.  Standard library only; both byte orders.

ISB times are read in the units of the interface's if_tsresol, as the pcapng specification
says.  dumpcap 4.0 on Linux does not do that: it writes if_tsresol=9 (nanoseconds) in the IDB
but the ISB time stamp, isb_starttime and isb_endtime in microseconds (gettimeofday() * 10^6,
writecap/pcapio.c), which read per the specification land in January 1970.  When the
specification's reading lies before the first packet, the microsecond reading is printed too,
marked as such.
"""
import struct
import sys
from datetime import datetime, timezone

SHB, IDB, EPB, SPB, ISB, DSB = 0x0A0D0D0A, 1, 6, 3, 5, 0x0A

IDB_OPTS = {2: "if_name", 3: "if_description", 9: "if_tsresol", 11: "if_filter", 12: "if_os"}
SHB_OPTS = {2: "shb_hardware", 3: "shb_os", 4: "shb_userappl"}
ISB_OPTS = {2: "isb_starttime", 3: "isb_endtime", 4: "isb_ifrecv", 5: "isb_ifdrop",
            6: "isb_filteraccept", 7: "isb_osdrop", 8: "isb_usrdeliv"}


def options(buf, e):
    out, i = [], 0
    while i + 4 <= len(buf):
        code, length = struct.unpack(e + "HH", buf[i:i + 4])
        if code == 0:
            break
        out.append((code, buf[i + 4:i + 4 + length]))
        i += 4 + ((length + 3) & ~3)
    return out


def tsres(idb_opts):
    for code, v in idb_opts:
        if code == 9:
            b = v[0]
            return (2 ** -(b & 0x7F)) if b & 0x80 else (10 ** -b)
    return 1e-6


def fmt(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def stamp(hi, lo, res):
    t = ((hi << 32) | lo) * res
    return t, fmt(t)


def main(path):
    data = open(path, "rb").read()
    e, pos, ifaces, last_pkt, isb_ends, n_pkt, first_t = "<", 0, [], None, [], 0, None
    while pos + 12 <= len(data):
        btype = struct.unpack("<I", data[pos:pos + 4])[0]
        if btype == SHB:
            e = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack(e + "II", data[pos:pos + 8])
        body = data[pos + 8:pos + blen - 4]
        if btype == SHB:
            ifaces = []
            opts = options(body[16:], e)
            print("SHB  %s" % ", ".join("%s=%r" % (SHB_OPTS.get(c, c), v.decode(errors="replace"))
                                        for c, v in opts if c in SHB_OPTS))
        elif btype == IDB:
            linktype, _, snaplen = struct.unpack(e + "HHI", body[:8])
            opts = options(body[8:], e)
            ifaces.append(tsres(opts))
            # if_tsresol: one byte; if_filter: a type byte (0 = libpcap filter string), the text
            shown = ["%s=%r" % (IDB_OPTS[c], v[0] if c == 9 else
                                (v[1:] if c == 11 else v).decode(errors="replace"))
                     for c, v in opts if c in IDB_OPTS]
            print("IDB  #%d linktype=%d snaplen=%d %s" % (len(ifaces) - 1, linktype, snaplen,
                                                         " ".join(shown)))
        elif btype == EPB:
            ifid, hi, lo, caplen, origlen = struct.unpack(e + "IIIII", body[:20])
            t, s = stamp(hi, lo, ifaces[ifid])
            n_pkt += 1
            last_pkt = (n_pkt, t, s)
            first_t = t if first_t is None else first_t
            print("EPB  frame %d if=%d %s caplen=%d" % (n_pkt, ifid, s, caplen))
        elif btype == ISB:
            ifid, hi, lo = struct.unpack(e + "III", body[:12])
            res = ifaces[ifid]
            parts = ["if=%d written %s" % (ifid, stamp(hi, lo, res)[1])]
            for c, v in options(body[12:], e):
                name = ISB_OPTS.get(c, "opt%d" % c)
                if c in (2, 3):
                    vh, vl = struct.unpack(e + "II", v[:8])
                    raw = (vh << 32) | vl
                    t, s = stamp(vh, vl, res)
                    parts.append("%s=%d (per if_tsresol: %s)" % (name, raw, s))
                    if c == 3:
                        isb_ends.append((ifid, t, s, raw))
                elif len(v) == 8:
                    parts.append("%s=%d" % (name, struct.unpack(e + "Q", v)[0]))
            print("ISB  " + " ".join(parts))
        else:
            print("block type 0x%08x, %d bytes" % (btype, blen))
        pos += blen
    print()
    if last_pkt:
        print("last packet:  frame %d at %s" % (last_pkt[0], last_pkt[2]))
    for ifid, t, s, raw in isb_ends:
        gap = " (%.6f s after the last packet)" % (t - last_pkt[1]) if last_pkt else ""
        print("isb_endtime:  if %d at %s per if_tsresol%s" % (ifid, s, gap))
        if first_t is not None and t < first_t and ifaces[ifid] != 1e-6:
            tu = raw * 1e-6
            print("              if %d at %s read as microseconds (dumpcap 4.0), %.6f s after the"
                  " last packet" % (ifid, fmt(tu), tu - last_pkt[1]))
    if not isb_ends:
        print("no Interface Statistics Block with isb_endtime")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
