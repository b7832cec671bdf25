#!/usr/bin/env python3
"""A user-space IP "wire" between two network namespaces.

This kernel has no ipip/sit/gre/ip6tnl (CONFIG_NET_IPIP, CONFIG_IPV6_SIT,
CONFIG_NET_IPGRE_DEMUX, CONFIG_IPV6_TUNNEL unset), so the IP tunnel is a
pair of TUN devices (ARPHRD_NONE -> libpcap LINKTYPE_RAW 101; in `-i any`
captures SLL with ARPHRD 65534) whose packets this process copies across,
like a VPN.

usage: tunrelay.py SECONDS   (creates rdpt-tun in rdpt-a and in rdpt-b,
prints "ready", relays for SECONDS, then exits; the devices vanish with it)
"""
import ctypes
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + path)
    os.close(fd)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    secs = float(sys.argv[1])
    orig = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns("/run/netns/rdpt-a")
    fa = open_tun("rdpt-tun")
    setns("/run/netns/rdpt-b")
    fb = open_tun("rdpt-tun")
    libc.setns(orig, CLONE_NEWNET)
    print("ready", flush=True)
    peer = {fa: fb, fb: fa}
    end = time.time() + secs
    n = 0
    while time.time() < end:
        r, _, _ = select.select([fa, fb], [], [], 0.2)
        for fd in r:
            pkt = os.read(fd, 65535)
            os.write(peer[fd], pkt)
            n += 1
    print("relayed", n, file=sys.stderr)


if __name__ == "__main__":
    main()
