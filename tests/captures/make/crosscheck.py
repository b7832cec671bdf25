#!/usr/bin/env python3
"""Cross-check an expected.json (from expected.py) against
`tshark -q -z conv,tcp -z conv,udp` and, optionally, against the corpus
observation files (_derived/tshark-4.0.17/*.txt).

Usage: crosscheck.py --base DIR EXPECTED.json [--derived DIR]

tshark conv rows: "A <-> B  framesB->A bytesB->A  framesA->B bytesA->B  total  relstart dur".
Byte counts >= 10000 are printed rounded ("92 kB"), so those are compared
with a tolerance of one unit; frame counts are compared exactly.
Each conv row is matched to the connection with the same endpoint pair and
the same relative start time.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+ \S+)\s+(\d+)\s+(\d+ \S+)\s+(\d+)\s+(\d+ \S+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*$")
UNITS = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}


def parse_rows(text):
    rows = []
    for line in text.splitlines():
        m = ROW.match(line.strip())
        if m:
            rows.append(m.groups())
    return rows


def bytes_ok(shown, actual):
    n, unit = shown.split()
    n = int(n)
    mul = UNITS[unit]
    if mul == 1:
        return n == actual
    return abs(actual / mul - n) <= 1.0


def norm_ep(s):
    # tshark prints "ip:port" also for IPv6 (no brackets)
    ip, port = s.rsplit(":", 1)
    return ip.strip("[]"), port


def check_rows(rows, conns, label, require_all):
    errors = 0
    used = set()
    for a, b, fba, bba, fab, bab, ft, bt, start, dur in rows:
        ea, eb = norm_ep(a), norm_ep(b)
        cand = []
        for i, c in enumerate(conns):
            cl, sv = norm_ep(c["client"]), norm_ep(c["server"])
            if {cl, sv} == {ea, eb}:
                t = c["first_time_relative"]
                if t is None or abs(t - float(start)) < 1e-5:
                    cand.append(i)
        if not cand:
            # e.g. tshark gives SPB frames (no timestamp) time 0, which skews conv start
            cand = [i for i, c in enumerate(conns) if {norm_ep(c["client"]), norm_ep(c["server"])} == {ea, eb}]
            if len(cand) == 1:
                print("%s: note: conv row %s <-> %s start %s matched by endpoints only" % (label, a, b, start))
        if len(cand) != 1:
            print("%s: conv row %s <-> %s start %s matched %d connections" % (label, a, b, start, len(cand)))
            errors += 1
            continue
        c = conns[cand[0]]
        used.add(cand[0])
        cl = norm_ep(c["client"])
        if cl == ea:   # A is client: A->B = c2s
            exp = (c["packets_client_to_server"], c["bytes_client_to_server"], c["packets_server_to_client"], c["bytes_server_to_client"])
        else:
            exp = (c["packets_server_to_client"], c["bytes_server_to_client"], c["packets_client_to_server"], c["bytes_client_to_server"])
        ok = int(fab) == exp[0] and bytes_ok(bab, exp[1]) and int(fba) == exp[2] and bytes_ok(bba, exp[3])
        if not ok:
            print("%s: MISMATCH %s <-> %s conv A->B %s/%s B->A %s/%s expected %s" % (label, a, b, fab, bab, fba, bba, exp))
            errors += 1
    if require_all and len(used) != len(conns):
        missing = [c["transport"] + str(c["stream"]) for i, c in enumerate(conns) if i not in used]
        print("%s: connections without conv row: %s" % (label, missing))
        errors += 1
    return errors, len(used)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--derived")
    ap.add_argument("expected")
    a = ap.parse_args()
    exp = json.load(open(a.expected))
    total_err = 0
    for cap in exp["captures"]:
        path = os.path.join(a.base, cap["file"])
        out = subprocess.run(["tshark", "-r", path, "-n", "-q", "-z", "conv,tcp", "-z", "conv,udp"],
                             capture_output=True, text=True, check=True).stdout
        rows = parse_rows(out)
        err, n = check_rows(rows, cap["connections"], cap["file"], True)
        total_err += err
        if len(rows) != len(cap["connections"]):
            print("%s: %d conv rows vs %d connections" % (cap["file"], len(rows), len(cap["connections"])))
            total_err += 1
        msg = "%s: conv rows %d matched %d" % (cap["file"], len(rows), n)
        if a.derived:
            dpath = os.path.join(a.derived, cap["file"].replace("/", "__") + ".txt")
            text = open(dpath).read()
            drows = parse_rows(text)
            derr, dn = check_rows(drows, cap["connections"], cap["file"] + " [derived]", False)
            total_err += derr
            m = re.search(r"Number of packets:\s+(\d+)", text)
            if m and int(m.group(1)) != cap["packets"]:
                print("%s: derived packets %s vs %d" % (cap["file"], m.group(1), cap["packets"]))
                total_err += 1
            msg += "; derived rows %d matched %d" % (len(drows), dn)
        print(msg)
    print("errors:", total_err)
    sys.exit(1 if total_err else 0)


if __name__ == "__main__":
    main()
