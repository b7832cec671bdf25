#!/usr/bin/env python3
"""A tiny authoritative-only DNS responder over UDP, for a lab namespace (stdlib only).

  tiny_dns.py --bind 10.0.1.1 --name rdp.lab.test --addr 10.0.2.2 --lifetime 30

Answers every query on BIND:53 by itself, no recursion:
  * A     for NAME -> one A record ADDR (TTL 60), NOERROR, AA;
  * AAAA  (or any other type) for NAME -> NOERROR with no answer (NODATA), so a resolver that
    asks for both A and AAAA goes on with the IPv4 address;
  * any other name -> NXDOMAIN.
Malformed packets and responses are ignored.  Exits after --lifetime seconds.  Prints one line
per query to stdout.
"""
import argparse
import socket
import struct
import sys
import time


def parse_question(q):
    """(qname lower-case, qtype, qclass, end offset) of the first question, or None."""
    if len(q) < 12:
        return None
    _id, flags, qd = struct.unpack(">HHH", q[:6])
    if flags & 0x8000 or qd < 1:           # a response, or no question
        return None
    labels, i = [], 12
    while True:
        if i >= len(q):
            return None
        n = q[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:                        # no compression in a question we accept
            return None
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 4 > len(q):
        return None
    qtype, qclass = struct.unpack(">HH", q[i:i + 4])
    return ".".join(labels).lower(), qtype, qclass, i + 4


def answer(q, name, addr):
    p = parse_question(q)
    if p is None:
        return None, None
    qname, qtype, qclass, end = p
    rd = q[2] & 0x01
    question = q[12:end]
    ancount, rcode, rr = 0, 0, b""
    if qname != name:
        rcode = 3                           # NXDOMAIN
    elif qtype == 1 and qclass == 1:
        ancount = 1
        # name = pointer to the question name at offset 12, type A, class IN, TTL 60, 4 bytes
        rr = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    # QR=1, opcode 0, AA=1, RD copied; RA=0
    flags = 0x8000 | 0x0400 | (rd << 8) | rcode
    hdr = q[:2] + struct.pack(">HHHHH", flags, 1, ancount, 0, 0)
    return hdr + question + rr, (qname, qtype, rcode, ancount)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--name", required=True)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--lifetime", type=float, default=30)
    a = ap.parse_args()
    name = a.name.rstrip(".").lower()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind, a.port))
    s.settimeout(0.5)
    print("tiny_dns: %s:%d, %s -> %s, lifetime %.0f s" % (a.bind, a.port, name, a.addr, a.lifetime),
          flush=True)
    deadline = time.time() + a.lifetime
    while time.time() < deadline:
        try:
            q, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        resp, info = answer(q, name, a.addr)
        if resp is None:
            continue
        s.sendto(resp, peer)
        print("tiny_dns: %s:%d %s type %d -> rcode %d, %d answer(s)"
              % (peer[0], peer[1], info[0], info[1], info[2], info[3]), flush=True)
    print("tiny_dns: lifetime over", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
