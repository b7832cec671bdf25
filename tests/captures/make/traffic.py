#!/usr/bin/env python3
"""Small, bounded traffic generators used by record.sh (run inside the
rdpt-* namespaces; every socket has a timeout).

  traffic.py udp-echo ADDR PORT N            answer N datagrams (10 s max)
  traffic.py udp-send ADDR PORT SIZE [--reply] [--sport P] [--opts]
  traffic.py tcp-server ADDR PORT N [--server-close]
                 accept N connections: read one request line, answer
                 "pong <line>\\n" * 3, then wait for the client to close
                 (or close first with --server-close)
  traffic.py tcp-client ADDR PORT [--sport P] [--rst] [--timeout S] [--msg M]
"""
import argparse
import socket
import struct
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_echo(a):
    s = socket.socket(family(a.addr), socket.SOCK_DGRAM)
    s.bind((a.addr, a.port))
    s.settimeout(10)
    for _ in range(a.n):
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            break
        s.sendto(b"echo %d bytes\n" % len(data), peer)
    s.close()


def udp_send(a):
    s = socket.socket(family(a.addr), socket.SOCK_DGRAM)
    if a.sport:
        s.bind(("::" if family(a.addr) == socket.AF_INET6 else "0.0.0.0", a.sport))
    if a.opts:
        # IPv6 hop-by-hop and destination options headers (PadN only)
        padn = bytes([17, 0]) + bytes([1, 4, 0, 0, 0, 0])  # nh(ignored), len 0, PadN(4)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, padn)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, padn)
    s.settimeout(3)
    payload = (b"rdptriage-test-" * ((a.size // 15) + 1))[:a.size]
    s.sendto(payload, (a.addr, a.port))
    if a.reply:
        try:
            print(s.recvfrom(65535)[0])
        except (socket.timeout, ConnectionRefusedError) as e:
            print("no reply:", e)
    else:
        time.sleep(0.3)
        try:
            s.setblocking(False)
            s.recv(100)
        except (BlockingIOError, ConnectionRefusedError) as e:
            print("after send:", e.__class__.__name__)
    s.close()


def tcp_server(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    s.listen(5)
    s.settimeout(15)
    for _ in range(a.n):
        try:
            c, peer = s.accept()
        except socket.timeout:
            break
        c.settimeout(5)
        try:
            line = c.recv(4096)
            c.sendall(b"pong " + line.strip() + b"\n")
            time.sleep(0.05)
            c.sendall(b"pong again\n")
            if a.server_close:
                c.close()
                continue
            while c.recv(4096):
                pass
        except (socket.timeout, ConnectionResetError) as e:
            print("server:", e)
        c.close()
    s.close()


def tcp_client(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport:
        s.bind(("::" if family(a.addr) == socket.AF_INET6 else "0.0.0.0", a.sport))
    s.settimeout(a.timeout)
    try:
        s.connect((a.addr, a.port))
    except OSError as e:
        print("connect:", e)
        s.close()
        return
    s.sendall((a.msg + "\n").encode())
    got = b""
    try:
        while got.count(b"\n") < 2:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except socket.timeout:
        pass
    print(got)
    if a.rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        # wait for a server-initiated close if there is one
        time.sleep(0.1)
    s.close()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("udp-echo")
    p.add_argument("addr"); p.add_argument("port", type=int); p.add_argument("n", type=int)
    p = sub.add_parser("udp-send")
    p.add_argument("addr"); p.add_argument("port", type=int); p.add_argument("size", type=int)
    p.add_argument("--reply", action="store_true"); p.add_argument("--sport", type=int)
    p.add_argument("--opts", action="store_true")
    p = sub.add_parser("tcp-server")
    p.add_argument("addr"); p.add_argument("port", type=int); p.add_argument("n", type=int)
    p.add_argument("--server-close", action="store_true")
    p = sub.add_parser("tcp-client")
    p.add_argument("addr"); p.add_argument("port", type=int)
    p.add_argument("--sport", type=int); p.add_argument("--rst", action="store_true")
    p.add_argument("--timeout", type=float, default=5); p.add_argument("--msg", default="ping")
    a = ap.parse_args()
    {"udp-echo": udp_echo, "udp-send": udp_send, "tcp-server": tcp_server,
     "tcp-client": tcp_client}[a.cmd](a)


if __name__ == "__main__":
    main()
