#!/usr/bin/env python3
"""User-space IPv4 forwarder with delay and loss, for the router namespace (no netem here).

  lossy_forwarder.py --a IFACE_A --a-peer-mac MAC --b IFACE_B --b-peer-mac MAC
                     --delay-ms 150 --loss 0.1 --seed 1 --lifetime 60

Run it inside the router namespace with kernel forwarding off (net.ipv4.ip_forward=0).  Every
IPv4 frame that arrives on one interface (addressed to the router's MAC, not to the router's
own IP addresses) is dropped with probability --loss, otherwise held for --delay-ms, its TTL
decremented, and sent out of the other interface to the peer's MAC.  ARP stays with the kernel.
"""
import argparse
import heapq
import random
import signal
import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def iface_mac(name):
    with open("/sys/class/net/%s/address" % name) as f:
        return mac_bytes(f.read().strip())


def iface_ips(name):
    import subprocess
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", name],
                         capture_output=True, text=True).stdout
    return {socket.inet_aton(l.split()[3].split("/")[0]) for l in out.splitlines()}


def ip_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) + hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--a-peer-mac", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--b-peer-mac", required=True)
    ap.add_argument("--delay-ms", type=float, default=150)
    ap.add_argument("--loss", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    own = iface_ips(a.a) | iface_ips(a.b)
    socks, macs, peer = {}, {}, {}
    for name, pm in ((a.a, a.a_peer_mac), (a.b, a.b_peer_mac)):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.settimeout(0.5)
        socks[name], macs[name], peer[name] = s, iface_mac(name), mac_bytes(pm)
    other = {a.a: a.b, a.b: a.a}
    queue, qlock, stats = [], threading.Lock(), {"fwd": 0, "drop": 0}
    deadline = time.time() + a.lifetime
    seq = [0]

    def rx(name):
        s = socks[name]
        while time.time() < deadline:
            try:
                frame, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] != socket.PACKET_HOST or len(frame) < 34:
                continue
            if frame[12:14] != b"\x08\x00" or frame[0:6] != macs[name]:
                continue
            if frame[30:34] in own:
                continue            # for the router itself: the kernel handles it
            if rnd.random() < a.loss:
                stats["drop"] += 1
                continue
            out = other[name]
            ip = bytearray(frame[14:])
            ihl = (ip[0] & 0x0F) * 4
            if ip[8] <= 1:
                continue
            ip[8] -= 1
            ip[10:12] = b"\x00\x00"
            ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip[:ihl])))
            newf = peer[out] + macs[out] + b"\x08\x00" + bytes(ip)
            with qlock:
                seq[0] += 1
                heapq.heappush(queue, (time.time() + a.delay_ms / 1000.0, seq[0], out, newf))

    def tx():
        while time.time() < deadline:
            now = time.time()
            item = None
            with qlock:
                if queue and queue[0][0] <= now:
                    item = heapq.heappop(queue)
            if item is None:
                time.sleep(0.001)
                continue
            socks[item[2]].send(item[3])
            stats["fwd"] += 1

    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    threads = [threading.Thread(target=rx, args=(n,), daemon=True) for n in socks]
    threads.append(threading.Thread(target=tx, daemon=True))
    for t in threads:
        t.start()
    try:
        while time.time() < deadline:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    print("forwarded %(fwd)d dropped %(drop)d" % stats, flush=True)


if __name__ == "__main__":
    main()
