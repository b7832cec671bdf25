#!/usr/bin/env python3
"""Build samples/MANIFEST.json from lab/annotations.json + the recorded files.

  build_manifest.py [--recheck] [SAMPLES_DIR] [ANNOTATIONS]   (defaults: samples/, lab/annotations.json)

For every annotated capture:
  * `decode` is computed by manifest_decode.py (tshark/capinfos/tcpdump), never typed by hand;
  * every key frame is a display filter in the annotations; its frame number is computed: the
    first frame (or, with "occurrence": "last", the last one) matching the filter at or after the
    previous key frame.  If an annotation also states "frame" and tshark disagrees, or nothing
    matches, the builder refuses to write the manifest (so the manifest cannot claim something
    tshark does not show, and a re-recording that behaves differently is caught);
  * client_command / client_output come from SAMPLES_DIR/logs/NAME.cmd / NAME.client.txt
    (client_output keeps only the lines matching the annotation's `client_output_match` regexes,
    verbatim, in order);
  * software versions come from SAMPLES_DIR/logs/<versions file>.
An annotation's "rsa_key" (a PEM private key of the server beside the capture, for TLS_RSA_*
key exchange) is passed to every key frame's tshark as -o uat:rsa_keys:"FILE","".
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


def tshark_frames(path, flt, keys, tls3389=False, opts=(), rsa_key=None):
    """Frame numbers matching display filter FLT (two-pass, so TCP analysis flags are final)."""
    cmd = ["tshark", "-r", path, "-n", "-2"] + list(opts)
    if tls3389:
        cmd += ["-d", "tcp.port==3389,tls"]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    if rsa_key:
        cmd += ["-o", 'uat:rsa_keys:"%s",""' % os.path.abspath(rsa_key)]
    cmd += ["-Y", flt, "-T", "fields", "-e", "frame.number"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def read_versions(path):
    v = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, val = line.strip().split("=", 1)
                v[k] = val
    return v


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    # --recheck: for a fresh recording (lab/out): ignore the frame numbers stated in the
    # annotations (they belong to the shipped samples) and only require every filter to match
    recheck = "--recheck" in sys.argv[1:]
    samples = args[0] if len(args) > 0 else os.path.join(ROOT, "samples")
    ann_path = args[1] if len(args) > 1 else os.path.join(ROOT, "lab", "annotations.json")
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
        rsa = a.get("rsa_key")
        rsa_path = os.path.join(samples, rsa) if rsa else None
        if rsa_path and not os.path.exists(rsa_path):
            errors.append("%s: RSA key %s missing" % (name, rsa))
        checks = ["python3 lab/tools/manifest_decode.py samples/%s" % name]
        kf = []
        prev = 1
        for k in a["key_frames"]:
            t3 = bool(k.get("tls_on_3389"))
            opts = k.get("opts", [])
            frames = tshark_frames(path, k["filter"], keys_path, t3, opts, rsa_path)
            if k.get("occurrence") == "last":
                cand = [f for f in frames if f >= prev][-1:]
            else:
                cand = [f for f in frames if f >= prev][:1]
            if not cand:
                errors.append("%s: no frame >= %d matches %r" % (name, prev, k["filter"]))
                continue
            frame = cand[0]
            if "frame" in k and k["frame"] != frame and not recheck:
                errors.append("%s: annotation says frame %d, tshark finds %d for %r"
                              % (name, k["frame"], frame, k["filter"]))
            prev = frame
            ko = "-o tls.keylog_file:samples/%s " % keys if keys else ""
            if rsa:
                ko += "-o 'uat:rsa_keys:\"samples/%s\",\"\"' " % rsa
            if t3:
                ko = "-d tcp.port==3389,tls " + ko
            if opts:
                ko = " ".join(opts) + " " + ko
            checks.append("tshark -r samples/%s -n -2 %s-Y 'frame.number==%d && (%s)'"
                          % (name, ko, frame, k["filter"]))
            kf.append({"frame": frame, "shows": k["shows"]})
        checks += a.get("extra_checks", [])
        with open(os.path.join(logs, stem + ".cmd")) as f:
            cmd = f.read().strip()
        with open(os.path.join(logs, stem + ".client.txt"), errors="replace") as f:
            out_lines = f.read().splitlines()
        pats = [re.compile(p) for p in a.get("client_output_match", [".*"])]
        # backtrace frames FreeRDP prints when timeout(1) terminates it are dropped; the
        # "Caught signal 'Terminated'" line itself is kept
        excl = re.compile(a.get("client_output_exclude", r"\[com\.freerdp\.utils\] - \d+: "))
        kept = [l for l in out_lines if any(p.search(l) for p in pats) and not excl.search(l)]
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
        if rsa:
            entry["rsa_key"] = rsa
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
