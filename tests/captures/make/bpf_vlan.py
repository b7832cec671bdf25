#!/usr/bin/env python3
"""Load and pin tiny tc (cls_bpf, direct-action) eBPF programs that push or
pop VLAN tags with the bpf_skb_vlan_push / bpf_skb_vlan_pop helpers.

This kernel has no 8021q module (CONFIG_VLAN_8021Q unset, so no vlan
sub-interfaces and no bridge VLAN filtering), but the eBPF helpers work
without it.  The tags are therefore really added by the kernel on the
sending veth and removed on the receiving side; tcpdump on the veth sees
them on the wire (libpcap re-inserts the skb's VLAN metadata).

Usage: bpf_vlan.py PINDIR
  creates PINDIR/push100   (802.1Q vid 100)
          PINDIR/pushqinq  (802.1Q vid 100 inside 802.1ad vid 200)
          PINDIR/pop1, PINDIR/pop2  (pop one / two tags)
PINDIR must be on a bpf filesystem (mount -t bpf bpf PINDIR).
"""
import ctypes
import os
import struct
import sys

SYS_BPF = 321  # x86_64
BPF_PROG_LOAD = 5
BPF_OBJ_PIN = 6
BPF_PROG_TYPE_SCHED_CLS = 3
FN_VLAN_PUSH = 18
FN_VLAN_POP = 19

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def mov_reg(dst, src):
    return insn(0xBF, dst, src)


def mov_imm(dst, imm):
    return insn(0xB7, dst, 0, 0, imm)


def call(fn):
    return insn(0x85, 0, 0, 0, fn)


EXIT = insn(0x95)


def push(proto, vid):
    # bpf_skb_vlan_push(skb, __be16 proto, u16 tci); proto in network order
    be = struct.unpack("<H", struct.pack(">H", proto))[0]
    return mov_reg(1, 6) + mov_imm(2, be) + mov_imm(3, vid) + call(FN_VLAN_PUSH)


def pop():
    return mov_reg(1, 6) + call(FN_VLAN_POP)


def prog(body):
    return mov_reg(6, 1) + body + mov_imm(0, 0) + EXIT  # TC_ACT_OK


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(SYS_BPF, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


def load(code, name):
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    attr = struct.pack("<IIQQIIQI", BPF_PROG_TYPE_SCHED_CLS, len(code) // 8,
                       ctypes.addressof(insns), ctypes.addressof(lic),
                       1, len(log), ctypes.addressof(log), 0)
    attr += struct.pack("<I", 0) + name.encode()[:15].ljust(16, b"\0")
    try:
        return bpf(BPF_PROG_LOAD, attr)
    except OSError:
        print(log.value.decode(errors="replace"), file=sys.stderr)
        raise


def pin(fd, path):
    p = ctypes.create_string_buffer(path.encode())
    bpf(BPF_OBJ_PIN, struct.pack("<QII", ctypes.addressof(p), fd, 0))


def main():
    d = sys.argv[1]
    progs = {
        "push100": prog(push(0x8100, 100)),
        "pushqinq": prog(push(0x8100, 100) + push(0x88A8, 200)),
        "pop1": prog(pop()),
        "pop2": prog(pop() + pop()),
    }
    for name, code in progs.items():
        fd = load(code, "rdpt_" + name)
        pin(fd, os.path.join(d, name))
        os.close(fd)
        print("pinned", os.path.join(d, name))


if __name__ == "__main__":
    main()
