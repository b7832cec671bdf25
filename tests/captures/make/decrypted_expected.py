#!/usr/bin/env python3
"""Expected decrypted TLS application data for every sample that ships a key log.

Usage: decrypted_expected.py > tests/decrypted_expected.json   (run from the project root)

For each samples/X.pcap with samples/X.keys (and tests/captures/tls-*.pcap with their
.keys, and tests/captures/pcapng-dsb.pcapng whose key log is inside the file), every TCP
stream's decrypted application data
is taken from `tshark -o tls.keylog_file:X.keys -d tcp.port==3389,tls -q -z follow,tls,raw,N`
(tshark's own TLS decryption), per direction: the address of the node that sent it, its
length and SHA-256. rdptriage's decryption must produce the same bytes (tests/decrypt.rs).

"rsa_key_only" holds the same for the RSA key-exchange captures of make/tls_cbc.sh
(tests/captures/tls-*-rsa*.pcap but the ECDHE one) opened with the server's private key
alone, no key log: `tshark -o 'uat:rsa_keys:"tests/captures/tls-rsa-server.pem",""'`.
"""
import glob, hashlib, json, os, re, subprocess, sys

def tshark(*args):
    return subprocess.run(["tshark", *args], capture_output=True, text=True, check=True).stdout

def streams(pcap):
    out = tshark("-r", pcap, "-n", "-T", "fields", "-e", "tcp.stream", "-Y", "tcp")
    return sorted({int(x) for x in out.split() if x})

def follow(pcap, keys, n, opts=None):
    if opts is None:
        opts = ["-o", f"tls.keylog_file:{keys}"] if keys else []
    out = tshark("-r", pcap, "-n", *opts, "-d", "tcp.port==3389,tls",
                 "-q", "-z", f"follow,tls,raw,{n}")
    nodes, data = {}, {0: bytearray(), 1: bytearray()}
    for line in out.splitlines():
        m = re.match(r"Node ([01]): (.*)$", line)
        if m:
            nodes[int(m.group(1))] = m.group(2)
            continue
        if re.fullmatch(r"\t?[0-9a-f]+", line):
            data[1 if line.startswith("\t") else 0] += bytes.fromhex(line.strip())
    return nodes, data

def main():
    result = {}
    inputs = [(k[:-5] + ".pcap", k) for k in sorted(glob.glob("samples/*.keys"))
              + sorted(glob.glob("tests/captures/tls-*.keys"))]
    inputs.append(("tests/captures/pcapng-dsb.pcapng", None))
    for pcap, keys in inputs:
        if not os.path.exists(pcap):
            continue
        per = {}
        for n in streams(pcap):
            nodes, data = follow(pcap, keys, n)
            if not data[0] and not data[1]:
                continue
            per[str(n)] = {
                f"node{i}": {
                    "address": nodes.get(i, ""),
                    "length": len(data[i]),
                    "sha256": hashlib.sha256(data[i]).hexdigest(),
                } for i in (0, 1)
            }
        result[pcap] = per
    rsa_key = "tests/captures/tls-rsa-server.pem"
    rsa_only = {}
    for pcap in sorted(glob.glob("tests/captures/tls-*-rsa*.pcap")):
        if "ecdhe" in pcap:
            continue
        per = {}
        for n in streams(pcap):
            opts = ["-o", f'uat:rsa_keys:"{os.path.abspath(rsa_key)}",""']
            nodes, data = follow(pcap, None, n, opts)
            if not data[0] and not data[1]:
                continue
            per[str(n)] = {
                f"node{i}": {
                    "address": nodes.get(i, ""),
                    "length": len(data[i]),
                    "sha256": hashlib.sha256(data[i]).hexdigest(),
                } for i in (0, 1)
            }
        rsa_only[pcap] = {"rsa_key": rsa_key, "streams": per}
    json.dump({"generated_by": "tests/captures/make/decrypted_expected.py with " +
               tshark("--version").splitlines()[0], "captures": result,
               "rsa_key_only": rsa_only}, sys.stdout, indent=1)
    print()

main()
