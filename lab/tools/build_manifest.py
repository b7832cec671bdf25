#!/usr/bin/env python3
"""Build samples/MANIFEST.json from lab/annotations.json + the recorded files.

  build_manifest.py [SAMPLES_DIR] [ANNOTATIONS]      (defaults: samples/ and lab/annotations.json)

For every annotated capture:
  * `decode` is computed by manifest_decode.py (tshark/capinfos/tcpdump), never typed by hand;
  * every key frame carries a display filter in the annotations; the builder runs
    `tshark -r FILE -Y 'frame.number==N && (FILTER)'` and refuses to write the manifest if the
    frame does not match (so the manifest cannot claim something tshark does not show);
  * client_command / client_output come from SAMPLES_DIR/logs/NAME.cmd / NAME.client.txt
    (client_output keeps only the lines matching the annotation's `client_output_match` regexes,
    verbatim, in order);
  * software versions come from SAMPLES_DIR/logs/<versions file>.
A key frame with "tls_on_3389": true is checked with `-d tcp.port==3389,tls` (tshark 4.0 does
not switch to TLS after the X.224 exchange on 3389 by itself; with that option the X.224
frames show as undecodable, so CR/CC frames are checked without it).
The `filter` of each key frame is not copied into the manifest; the commands are listed in
`tshark_check`.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import manifest_decode  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def tshark_match(path, frame, flt, keys, tls3389=False, opts=()):
    cmd = ["tshark", "-r", path, "-n"] + list(opts)
    if tls3389:
        cmd += ["-d", "tcp.port==3389,tls"]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    cmd += ["-Y", "frame.number==%d && (%s)" % (frame, flt)]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return bool(out.strip())


def read_versions(path):
    v = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, val = line.strip().split("=", 1)
                v[k] = val
    return v


def main():
    samples = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "samples")
    ann_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "lab", "annotations.json")
    with open(ann_path) as f:
        ann = json.load(f)
    logs = os.path.join(samples, "logs")
    captures = []
    errors = []
    pcaps = sorted(x for x in os.listdir(samples) if x.endswith((".pcap", ".pcapng")))
    for name in pcaps:
        if name not in ann:
            errors.append("%s: no annotation" % name)
    for name, a in ann.items():
        path = os.path.join(samples, name)
        if not os.path.exists(path):
            errors.append("%s: annotated but missing" % name)
            continue
        stem = a.get("log_stem", re.sub(r"\.pcap(ng)?$", "", name))
        keys = a.get("keylog")
        keys_path = os.path.join(samples, keys) if keys else None
        if keys_path and not os.path.exists(keys_path):
            errors.append("%s: key log %s missing" % (name, keys))
        checks = ["python3 lab/tools/manifest_decode.py samples/%s" % name]
        kf = []
        for k in a["key_frames"]:
            t3 = bool(k.get("tls_on_3389"))
            opts = k.get("opts", [])
            ok = tshark_match(path, k["frame"], k["filter"], keys_path, t3, opts)
            if not ok:
                errors.append("%s: frame %d does not match %r" % (name, k["frame"], k["filter"]))
            ko = "-o tls.keylog_file:samples/%s " % keys if keys else ""
            if t3:
                ko = "-d tcp.port==3389,tls " + ko
            if opts:
                ko = " ".join(opts) + " " + ko
            checks.append("tshark -r samples/%s -n %s-Y 'frame.number==%d && (%s)'"
                          % (name, ko, k["frame"], k["filter"]))
            kf.append({"frame": k["frame"], "shows": k["shows"]})
        checks += a.get("extra_checks", [])
        with open(os.path.join(logs, stem + ".cmd")) as f:
            cmd = f.read().strip()
        with open(os.path.join(logs, stem + ".client.txt"), errors="replace") as f:
            out_lines = f.read().splitlines()
        pats = [re.compile(p) for p in a.get("client_output_match", [".*"])]
        kept = [l for l in out_lines if any(p.search(l) for p in pats)]
        vers = read_versions(os.path.join(logs, a["versions_file"]))
        software = {k: vers[k] for k in a.get("software", ["openssl"]) if k in vers}
        entry = {
            "file": name,
            "scenario": a["scenario"],
            "expected_cause": a["expected_cause"],
            "recorded_on": a["recorded_on"],
            "software": software,
            "client_command": cmd,
            "client_output": "\n".join(kept),
            "tshark_check": "\n".join(checks),
            "key_frames": kf,
            "decode": manifest_decode.decode(path),
        }
        if keys:
            entry["keylog"] = keys
        if a.get("notes"):
            entry["notes"] = a["notes"]
        captures.append(entry)
    if errors:
        for e in errors:
            print("ERROR:", e, file=sys.stderr)
        sys.exit(1)
    captures.sort(key=lambda c: c["file"])
    out = {"schema": "rdptriage-samples/1", "captures": captures}
    with open(os.path.join(samples, "MANIFEST.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print("wrote %d captures" % len(captures), file=sys.stderr)


if __name__ == "__main__":
    main()
