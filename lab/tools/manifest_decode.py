#!/usr/bin/env python3
"""Compute the `decode` object of samples/MANIFEST.json for one capture, from tshark output.

Usage: manifest_decode.py FILE.pcap        -> prints the decode JSON object

Rules (the project's manifest contract):
  packets    = capinfos packet count
  link_type  = the link-type name tcpdump -r prints in its header line
  connections: every TCP and UDP conversation (tcp.stream / udp.stream); packets whose
               frame.protocols contain icmp/icmpv6 are not conversation packets.
  client/server: (1) sender of the first SYN without ACK; else (2) receiver of a SYN+ACK;
               else (3) the side whose port is well-known (<1024 or 3389/3391/8080/8443) if
               exactly one is; else (4) sender of the first packet.
  bytes      = sum of frame.len per direction.
  end (TCP)  = rst_client/rst_server by sender of the first RST; else fin_client/fin_server by
               sender of the first FIN; else syn_unanswered if the server sent nothing and the
               client sent only SYNs; else open.  UDP: none.
"""
import json
import re
import subprocess
import sys

WELL_KNOWN_EXTRA = {3389, 3391, 8080, 8443}

FIELDS = [
    "frame.number", "frame.len", "frame.protocols",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.stream", "tcp.srcport", "tcp.dstport",
    "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.reset", "tcp.flags.fin",
    "udp.stream", "udp.srcport", "udp.dstport",
]


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def packet_count(path):
    out = run(["capinfos", "-M", "-c", path]).stdout
    m = re.search(r"Number of packets:\s*(\d+)", out)
    if not m:
        raise SystemExit("capinfos gave no packet count for %s" % path)
    return int(m.group(1))


def link_type(path):
    p = subprocess.run(["tcpdump", "-nn", "-r", path, "-c", "1"], capture_output=True, text=True)
    m = re.search(r"link-type (\S+)", p.stderr)
    if not m:
        raise SystemExit("tcpdump printed no link-type for %s: %s" % (path, p.stderr))
    return m.group(1)


def first(v):
    # tshark joins repeated fields with ','; the outer header comes first
    return v.split(",")[0] if v else ""


def flag(v):
    v = first(v)
    return v in ("1", "True", "true")


def endpoint(addr, port):
    if ":" in addr:
        return "[%s]:%s" % (addr, port)
    return "%s:%s" % (addr, port)


def well_known(port):
    return port < 1024 or port in WELL_KNOWN_EXTRA


def decode(path):
    out = run(["tshark", "-r", path, "-n", "-T", "fields", "-E", "separator=\t",
               "-E", "occurrence=a", "-E", "aggregator=,"]
              + sum((["-e", f] for f in FIELDS), [])).stdout
    convs = {}
    for line in out.splitlines():
        c = dict(zip(FIELDS, line.split("\t")))
        protos = c.get("frame.protocols", "").split(":")
        if "icmp" in protos or "icmpv6" in protos:
            continue
        src = first(c["ip.src"]) or first(c["ipv6.src"])
        dst = first(c["ip.dst"]) or first(c["ipv6.dst"])
        if c["tcp.stream"]:
            key = ("tcp", int(first(c["tcp.stream"])))
            sp, dp = int(first(c["tcp.srcport"])), int(first(c["tcp.dstport"]))
        elif c["udp.stream"]:
            key = ("udp", int(first(c["udp.stream"])))
            sp, dp = int(first(c["udp.srcport"])), int(first(c["udp.dstport"]))
        else:
            continue
        pkt = {
            "n": int(c["frame.number"]), "len": int(c["frame.len"]),
            "src": endpoint(src, sp), "dst": endpoint(dst, dp), "sport": sp, "dport": dp,
            "syn": flag(c["tcp.flags.syn"]), "ack": flag(c["tcp.flags.ack"]),
            "rst": flag(c["tcp.flags.reset"]), "fin": flag(c["tcp.flags.fin"]),
        }
        convs.setdefault(key, []).append(pkt)

    conns = []
    for (transport, stream), pkts in sorted(convs.items(), key=lambda kv: kv[1][0]["n"]):
        client = server = None
        if transport == "tcp":
            for p in pkts:
                if p["syn"] and not p["ack"]:
                    client, server = p["src"], p["dst"]
                    break
            if client is None:
                for p in pkts:
                    if p["syn"] and p["ack"]:
                        client, server = p["dst"], p["src"]
                        break
        if client is None:
            p = pkts[0]
            wk_s, wk_d = well_known(p["sport"]), well_known(p["dport"])
            if wk_s != wk_d:
                server, client = (p["src"], p["dst"]) if wk_s else (p["dst"], p["src"])
            else:
                client, server = p["src"], p["dst"]
        c2s = [p for p in pkts if p["src"] == client]
        s2c = [p for p in pkts if p["src"] == server]
        if transport == "tcp":
            rst = [p for p in pkts if p["rst"]]
            fin = [p for p in pkts if p["fin"]]
            if rst:
                end = "rst_client" if rst[0]["src"] == client else "rst_server"
            elif fin:
                end = "fin_client" if fin[0]["src"] == client else "fin_server"
            elif not s2c and all(p["syn"] and not p["ack"] for p in c2s):
                end = "syn_unanswered"
            else:
                end = "open"
        else:
            end = "none"
        conns.append({
            "transport": transport, "stream": stream, "client": client, "server": server,
            "packets_client_to_server": len(c2s), "packets_server_to_client": len(s2c),
            "bytes_client_to_server": sum(p["len"] for p in c2s),
            "bytes_server_to_client": sum(p["len"] for p in s2c),
            "first_frame": pkts[0]["n"], "last_frame": pkts[-1]["n"], "end": end,
        })
    return {"packets": packet_count(path), "link_type": link_type(path), "connections": conns}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(json.dumps(decode(sys.argv[1]), indent=2))
